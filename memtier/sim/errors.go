package sim

import "errors"

var (
	// ErrFormat reports trace data that does not parse in its format (a bad
	// number, a truncated binary record).
	ErrFormat = errors.New("sim: malformed trace")
	// ErrUnknownTrace reports a trace name that is not in the catalog.
	ErrUnknownTrace = errors.New("sim: unknown trace")
	// ErrReference reports a malformed reference CSV.
	ErrReference = errors.New("sim: malformed reference file")
)
