package main

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

// progressFlag turns the live progress output on stderr on or off; the
// default is on when stderr is a terminal.
func progressFlag(e *env) *cli.BoolFlag {
	return &cli.BoolFlag{Name: "progress", Value: e.tty, DefaultText: "when stderr is a terminal",
		Usage: "show live progress on stderr (--progress=false hides it)"}
}

// spin runs fn while a spinner with desc turns on w (if show), for work
// that cannot report how far along it is.
func spin(w io.Writer, show bool, desc string, fn func() error) error {
	if !show {
		return fn()
	}
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionShowElapsedTimeOnFinish(),
	)
	done := make(chan error, 1)
	go func() { done <- fn() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	_ = bar.RenderBlank()
	for {
		select {
		case err := <-done:
			_ = bar.Finish()
			_, _ = io.WriteString(w, "\n")
			return err
		case <-tick.C:
			_ = bar.Add(1)
		}
	}
}

// newBar returns a progress bar of max steps on w, or nil if !show; the
// methods used on it below accept nil.
type bar struct{ pb *progressbar.ProgressBar }

func newBar(w io.Writer, show bool, max int64, desc string) bar {
	if !show {
		return bar{}
	}
	return bar{progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(25),
	)}
}

// newTimeBar returns a progress bar over a duration in milliseconds whose
// description carries the live figures.
func newTimeBar(w io.Writer, show bool, d time.Duration, desc string) bar {
	if !show {
		return bar{}
	}
	return bar{progressbar.NewOptions64(d.Milliseconds(),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(20),
		progressbar.OptionShowDescriptionAtLineEnd(),
	)}
}

func (b bar) set(n int64) {
	if b.pb != nil {
		_ = b.pb.Set64(n)
	}
}

func (b bar) describe(s string) {
	if b.pb != nil {
		b.pb.Describe(s)
	}
}

func (b bar) finish(w io.Writer) {
	if b.pb != nil {
		_ = b.pb.Finish()
		_, _ = io.WriteString(w, "\n")
	}
}
