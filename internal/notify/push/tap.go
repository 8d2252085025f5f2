package push

import (
	"context"

	"github.com/wardhealth/ward/internal/realtime"
)

// Tap returns a Broker that publishes to b and shows each event to s
// first. The app publishes to it after commit; the hub subscribes to b
// itself, so events that arrive from other nodes are not pushed again.
func Tap(b realtime.Broker, s *Service) realtime.Broker { return tap{b, s} }

type tap struct {
	realtime.Broker
	s *Service
}

func (t tap) Publish(ctx context.Context, ev realtime.Event) error {
	t.s.Observe(ev)
	return t.Broker.Publish(ctx, ev)
}
