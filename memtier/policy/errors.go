package policy

import "errors"

// ErrBadOptions reports invalid policy options (an unknown kind, no capacity).
var ErrBadOptions = errors.New("policy: bad options")
