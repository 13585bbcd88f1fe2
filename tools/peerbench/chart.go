package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/tierkv/tierkv/tools/peerbench/internal/store"
)

// Chart geometry: bars of every engine side by side per workload.
const (
	barWidth     = 7 * vg.Millimeter
	chartHeight  = 10 * vg.Centimeter
	chartMargin  = 3 * vg.Centimeter
	chartPerItem = 3.2 * vg.Centimeter
	// legendHeadroom is the Y range over the tallest bar.
	legendHeadroom = 1.4
)

// writeCharts writes throughput_skewed.png (Zipfian, latest, hot-set
// shift), throughput_uniform.png and ratio_vs_pebble.png into dir and
// returns their paths.
func writeCharts(dir string, s *summary, title string) ([]string, error) {
	var skewed, uniform []string
	for _, w := range s.workloads {
		if strings.HasSuffix(w, "-uniform") {
			uniform = append(uniform, w)
		} else {
			skewed = append(skewed, w)
		}
	}
	var paths []string
	for _, c := range []struct {
		file, what string
		wls        []string
		ratio      bool
	}{
		{"throughput_skewed.png", "throughput, skewed keys (ops/s, median)", skewed, false},
		{"throughput_uniform.png", "throughput, uniform keys (ops/s, median)", uniform, false},
		{"ratio_vs_pebble.png", "throughput relative to raw Pebble (= 1)", s.workloads, true},
	} {
		if len(c.wls) == 0 {
			continue
		}
		p, err := barChart(s, c.wls, c.what+"\n"+title, c.ratio)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, c.file)
		if err := p.Save(chartMargin+chartPerItem*vg.Length(len(c.wls)), chartHeight, path); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// barChart draws one bar per engine and workload: ops/s, or ops/s over
// raw Pebble's when ratio.
func barChart(s *summary, wls []string, title string, ratio bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "ops/s"
	if ratio {
		p.Y.Label.Text = "× raw Pebble"
	}
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	n := len(s.engines)
	top := 0.0
	for i, e := range s.engines {
		vals := make(plotter.Values, len(wls))
		for j, w := range wls {
			c, _ := s.get(w, e)
			vals[j] = c.OpsPerSec
			if ratio {
				base, _ := s.get(w, store.Pebble)
				vals[j] = 0
				if base.OpsPerSec > 0 {
					vals[j] = c.OpsPerSec / base.OpsPerSec
				}
			}
		}
		for _, v := range vals {
			top = max(top, v)
		}
		bars, err := plotter.NewBarChart(vals, barWidth)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", e, err)
		}
		bars.LineStyle.Width = 0
		bars.Color = plotutil.Color(i)
		bars.Offset = barWidth * vg.Length(float64(i)-float64(n-1)/2)
		p.Add(bars)
		p.Legend.Add(e, bars)
	}
	if ratio {
		one := plotter.NewFunction(func(float64) float64 { return 1 })
		one.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(one)
	}
	// Headroom above the tallest bar keeps the legend off the bars.
	p.Y.Max = top * legendHeadroom
	p.Add(plotter.NewGrid())
	p.NominalX(wls...)
	return p, nil
}
