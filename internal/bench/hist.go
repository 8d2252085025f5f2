package bench

import (
	"math"
	"sync/atomic"
	"time"
)

// hist is a lock-free latency histogram with logarithmic buckets (2 %
// apart, from 1 µs to about 100 s): quantiles are within 2 %.
type hist struct {
	n       atomic.Uint64
	buckets [histBuckets]atomic.Uint64
}

const (
	histMin     = float64(time.Microsecond)
	histGrowth  = 1.02
	histBuckets = 950
)

var histLogGrowth = math.Log(histGrowth)

func (h *hist) record(d time.Duration) {
	i := 0
	if f := float64(d); f > histMin {
		i = int(math.Log(f/histMin)/histLogGrowth) + 1
	}
	if i >= histBuckets {
		i = histBuckets - 1
	}
	h.buckets[i].Add(1)
	h.n.Add(1)
}

// quantile returns the q-quantile (0 < q ≤ 1), 0 when empty.
func (h *hist) quantile(q float64) time.Duration {
	total := h.n.Load()
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(total)))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= rank {
			if i == 0 {
				return time.Duration(histMin)
			}
			// The middle of bucket i: [min·g^(i-1), min·g^i).
			return time.Duration(histMin * math.Pow(histGrowth, float64(i)-0.5))
		}
	}
	return time.Duration(histMin * math.Pow(histGrowth, histBuckets))
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
