package policy

// The hill climber follows Caffeine's adaptive window (BoundedLocalCache
// "climb"): after each sample of requests it compares the hit ratio with the
// previous sample's and keeps moving the window/main boundary in the same
// direction while the hit ratio improves, reversing when it worsens. The step
// starts at 6.25% of the capacity, decays by 2% per sample so the boundary
// settles, and restarts at full size when the hit ratio jumps by 5 points or
// more (the workload changed).
const (
	climbStepPercent      = 0.0625
	climbStepDecay        = 0.98
	climbRestartThreshold = 0.05
)

// climber decides how the window should grow or shrink, in cost units.
type climber struct {
	hits, misses int
	sampleSize   int
	prevHitRate  float64
	step         float64
	capacity     int64
}

func newClimber(capacity int64, sampleSize int) climber {
	// The first step shrinks the window: most workloads favour frequency, and
	// the first sample (against a previous hit ratio of 0) always "improves".
	return climber{sampleSize: sampleSize, step: -climbStepPercent * float64(capacity), capacity: capacity}
}

func (c *climber) hit()  { c.hits++ }
func (c *climber) miss() { c.misses++ }

// adjustment returns the change of the window's size (positive: grow) once a
// sample of requests is complete; ok is false while the sample is filling.
func (c *climber) adjustment() (delta float64, ok bool) {
	n := c.hits + c.misses
	if n < c.sampleSize {
		return 0, false
	}
	rate := float64(c.hits) / float64(n)
	change := rate - c.prevHitRate
	amount := c.step
	if change < 0 {
		amount = -c.step
	}
	if change >= climbRestartThreshold || change <= -climbRestartThreshold {
		full := climbStepPercent * float64(c.capacity)
		if amount < 0 {
			full = -full
		}
		c.step = full
	} else {
		c.step = climbStepDecay * amount
	}
	c.prevHitRate = rate
	c.hits, c.misses = 0, 0
	return amount, true
}
