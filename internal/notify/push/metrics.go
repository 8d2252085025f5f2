package push

import (
	"net/url"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics count what the sender did: never who, never where.
type metrics struct {
	sent    *prometheus.CounterVec
	dropped prometheus.Counter // queue full: the push was not sent
	failed  prometheus.Counter // refused, out of attempts, or unreadable
	retried prometheus.Counter
	held    prometheus.Counter // receivers whose preferences held a normal push back (quiet hours, DND, off duty, off)
	removed prometheus.Counter // subscriptions deleted: gone at the push service, or their session ended
	latency prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ward_push_sent_total",
			Help: "Web Push requests a push service accepted, by kind."}, []string{"kind"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "ward_push_dropped_total",
			Help: "Pushes dropped because the send queue was full."}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{Name: "ward_push_failed_total",
			Help: "Pushes refused by the push service or out of retries."}),
		retried: prometheus.NewCounter(prometheus.CounterOpts{Name: "ward_push_retries_total",
			Help: "Pushes retried after a 429, a 5xx or a network error."}),
		held: prometheus.NewCounter(prometheus.CounterOpts{Name: "ward_push_held_total",
			Help: "Receivers of a normal message whose preferences held its push back."}),
		removed: prometheus.NewCounter(prometheus.CounterOpts{Name: "ward_push_subscriptions_removed_total",
			Help: "Subscriptions deleted: expired at the push service (404, 410) or their session ended."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ward_push_request_duration_seconds",
			Help: "Time of one push request, encryption included.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 10)}),
	}
}

// Collectors are the sender's metrics, for the server's registry.
func (s *Service) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.sent, m.dropped, m.failed, m.retried, m.held, m.removed, m.latency}
}

func endpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
