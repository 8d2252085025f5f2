package oncall

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// Plan is a checked schedule, ready to answer who is on call at any time.
// It is immutable, so one Plan serves any number of goroutines.
type Plan struct {
	loc       *time.Location
	days      int
	hh, mm    int
	startDay  int64     // the local date Start, as days since 1970-01-01
	start     time.Time // the first hand-over
	end       time.Time // the rotation's last hand-over; zero: it does not end
	people    []string
	overrides []ward.Override // by From; they do not overlap
	swaps     map[int64]int64 // shift index -> the shift whose person works it
}

// Compile checks s and returns its Plan. The errors are problem codes with
// a detail that says where: CodeInvalid for a malformed field,
// CodeNotInRotation for an override or swap naming someone outside the
// rotation's people, CodeScheduleOverlap for overlapping overrides or a
// shift in two swaps, CodeScheduleGap for a time with no one on call
// between the schedule's first and last covered instants.
func Compile(s ward.Schedule) (*Plan, error) {
	r := s.Rotation
	p := &Plan{people: r.People}
	switch r.Kind {
	case ward.RotationDaily, ward.RotationWeekly:
		want := map[ward.RotationKind]int{ward.RotationDaily: 1, ward.RotationWeekly: 7}[r.Kind]
		if r.Days != 0 && r.Days != want {
			return nil, ward.Errorf(ward.CodeInvalid, "a %s rotation has shifts of %d days, not %d", r.Kind, want, r.Days)
		}
		p.days = want
	case ward.RotationCustom:
		if r.Days < 1 || r.Days > ward.MaxRotationDays {
			return nil, ward.Errorf(ward.CodeInvalid, "a custom rotation needs days between 1 and %d", ward.MaxRotationDays)
		}
		p.days = r.Days
	default:
		return nil, ward.Errorf(ward.CodeInvalid, "rotation kind must be daily, weekly or custom")
	}
	var err error
	if p.hh, p.mm, err = parseClock(r.HandOver); err != nil {
		return nil, err
	}
	if r.TimeZone == "" || r.TimeZone == "Local" {
		return nil, ward.Errorf(ward.CodeInvalid, "time_zone must be an IANA time zone such as America/New_York")
	}
	if p.loc, err = time.LoadLocation(r.TimeZone); err != nil {
		return nil, ward.Errorf(ward.CodeInvalid, "time_zone %q is not an IANA time zone", r.TimeZone)
	}
	if p.startDay, err = parseDay("start", r.Start); err != nil {
		return nil, err
	}
	p.start = p.handOver(p.startDay)
	if r.End != "" {
		endDay, err := parseDay("end", r.End)
		if err != nil {
			return nil, err
		}
		if endDay <= p.startDay {
			return nil, ward.Errorf(ward.CodeInvalid, "the rotation's end (%s) must come after its start (%s)", r.End, r.Start)
		}
		p.end = p.handOver(endDay)
	}
	if err := checkPeople(r.People); err != nil {
		return nil, err
	}
	if p.overrides, err = checkOverrides(s.Overrides, r.People); err != nil {
		return nil, err
	}
	if p.swaps, err = p.checkSwaps(s.Swaps); err != nil {
		return nil, err
	}
	if err := p.checkGaps(); err != nil {
		return nil, err
	}
	return p, nil
}

func checkPeople(people []string) error {
	switch {
	case len(people) == 0:
		return ward.Errorf(ward.CodeInvalid, "a rotation needs at least one person")
	case len(people) > ward.MaxRotationPeople:
		return ward.Errorf(ward.CodeInvalid, "a rotation holds at most %d people", ward.MaxRotationPeople)
	}
	for i, id := range people {
		if id == "" || len(id) > 64 {
			return ward.Errorf(ward.CodeInvalid, "people must be user ids")
		}
		if slices.Contains(people[:i], id) {
			return ward.Errorf(ward.CodeInvalid, "%s is in the rotation twice", id)
		}
	}
	return nil
}

func checkOverrides(in []ward.Override, people []string) ([]ward.Override, error) {
	if len(in) > ward.MaxOverrides {
		return nil, ward.Errorf(ward.CodeInvalid, "a schedule holds at most %d overrides", ward.MaxOverrides)
	}
	out := slices.Clone(in)
	for _, o := range out {
		if o.From.IsZero() || !o.To.After(o.From) {
			return nil, ward.Errorf(ward.CodeInvalid, "an override needs from before to")
		}
		if !slices.Contains(people, o.UserID) {
			return nil, ward.Errorf(ward.CodeNotInRotation, "the override from %s names %s, who is not one of the rotation's people",
				stamp(o.From), o.UserID)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].From.Before(out[j].From) })
	for i := 1; i < len(out); i++ {
		if a, b := out[i-1], out[i]; b.From.Before(a.To) {
			return nil, ward.Errorf(ward.CodeScheduleOverlap, "the override of %s from %s to %s overlaps that of %s from %s to %s",
				a.UserID, stamp(a.From), stamp(a.To), b.UserID, stamp(b.From), stamp(b.To))
		}
	}
	return out, nil
}

func (p *Plan) checkSwaps(in []ward.Swap) (map[int64]int64, error) {
	if len(in) > ward.MaxSwaps {
		return nil, ward.Errorf(ward.CodeInvalid, "a schedule holds at most %d swaps", ward.MaxSwaps)
	}
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[int64]int64, 2*len(in))
	for _, s := range in {
		a, okA := p.shiftIndex(s.A)
		b, okB := p.shiftIndex(s.B)
		if !okA || !okB {
			return nil, ward.Errorf(ward.CodeInvalid, "a swap names a time outside the rotation (%s, %s)", stamp(s.A), stamp(s.B))
		}
		if p.base(a) == p.base(b) {
			return nil, ward.Errorf(ward.CodeInvalid, "the swap of the shifts from %s and %s exchanges %s with themselves",
				stamp(p.shiftStart(a)), stamp(p.shiftStart(b)), p.base(a))
		}
		for _, k := range []int64{a, b} {
			if _, dup := out[k]; dup {
				return nil, ward.Errorf(ward.CodeScheduleOverlap, "the shift from %s is in two swaps", stamp(p.shiftStart(k)))
			}
		}
		out[a], out[b] = b, a
	}
	return out, nil
}

// checkGaps refuses a schedule whose covered time (the rotation and the
// overrides) has a hole between its first and last covered instants.
func (p *Plan) checkGaps() error {
	type span struct{ from, to time.Time } // to zero: for ever
	spans := []span{{p.start, p.end}}
	for _, o := range p.overrides {
		spans = append(spans, span{o.From, o.To})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from.Before(spans[j].from) })
	reach := spans[0].to
	for _, s := range spans[1:] {
		if reach.IsZero() {
			return nil // covered for ever from here
		}
		if s.from.After(reach) {
			return ward.Errorf(ward.CodeScheduleGap, "no one is on call from %s to %s", stamp(reach), stamp(s.from))
		}
		if s.to.IsZero() || s.to.After(reach) {
			reach = s.to
		}
	}
	return nil
}

// At says who is on call at t: an override that holds t, or else the
// rotation's shift (with its swap). UserID is "" before the schedule
// starts and after a rotation that ends, outside overrides.
func (p *Plan) At(t time.Time) ward.OnCallShift {
	// The last override that starts at or before t.
	i := sort.Search(len(p.overrides), func(i int) bool { return p.overrides[i].From.After(t) }) - 1
	if i >= 0 && t.Before(p.overrides[i].To) {
		o := p.overrides[i]
		return ward.OnCallShift{UserID: o.UserID, From: o.From, Until: o.To, Source: "override"}
	}
	var sh ward.OnCallShift
	k, ok := p.shiftIndex(t)
	if ok {
		sh = ward.OnCallShift{UserID: p.base(k), From: p.shiftStart(k), Until: p.shiftStart(k + 1), Source: "rotation"}
		if j, swapped := p.swaps[k]; swapped {
			sh.UserID, sh.Source = p.base(j), "swap"
		}
		if !p.end.IsZero() && sh.Until.After(p.end) {
			sh.Until = p.end
		}
	} else if t.Before(p.start) {
		sh.Until = p.start
	} else {
		sh.From = p.end
	}
	// The span is cut by the overrides around it.
	if i >= 0 && p.overrides[i].To.After(sh.From) {
		sh.From = p.overrides[i].To
	}
	if i+1 < len(p.overrides) && (sh.Until.IsZero() || p.overrides[i+1].From.Before(sh.Until)) {
		sh.Until = p.overrides[i+1].From
	}
	return sh
}

// Shifts lists who is on call from from until to, span by span, in order:
// each change of person or source starts a new span. It lists at most max
// spans.
func (p *Plan) Shifts(from, to time.Time, max int) []ward.OnCallShift {
	var out []ward.OnCallShift
	for t := from; t.Before(to) && len(out) < max; {
		sh := p.At(t)
		if sh.From.Before(from) {
			sh.From = from
		}
		if sh.Until.IsZero() || sh.Until.After(to) {
			sh.Until = to
		}
		out = append(out, sh)
		t = sh.Until
	}
	return out
}

// People is the rotation's people, in order.
func (p *Plan) People() []string { return p.people }

// base is the person of shift k before swaps.
func (p *Plan) base(k int64) string {
	n := int64(len(p.people))
	return p.people[((k%n)+n)%n]
}

// handOver is the hand-over instant on local day d (days since 1970-01-01).
// A hand-over time that a spring change skips (02:30 on the night clocks
// jump from 02:00 to 03:00) is read with the offset before the change, so
// it happens as long after the jump (03:30) as it was meant after 02:00;
// a time the autumn change repeats is its first occurrence.
func (p *Plan) handOver(d int64) time.Time {
	t := time.Date(1970, 1, 1+int(d), p.hh, p.mm, 0, 0, p.loc)
	if lt := t.In(p.loc); lt.Hour() == p.hh && lt.Minute() == p.mm {
		return t
	}
	_, before := t.Add(-12 * time.Hour).In(p.loc).Zone()
	return time.Date(1970, 1, 1+int(d), p.hh, p.mm, 0, 0, time.UTC).Add(-time.Duration(before) * time.Second)
}

// shiftStart is the start of shift k (shift 0 starts at Start).
func (p *Plan) shiftStart(k int64) time.Time { return p.handOver(p.startDay + k*int64(p.days)) }

// shiftIndex is the shift that holds t, false when t is before the first
// or at or after the rotation's end.
func (p *Plan) shiftIndex(t time.Time) (int64, bool) {
	if t.Before(p.start) || (!p.end.IsZero() && !t.Before(p.end)) {
		return 0, false
	}
	y, m, d := t.In(p.loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	k := (day - p.startDay) / int64(p.days) // t is after start: day >= startDay
	for k > 0 && p.shiftStart(k).After(t) {
		k--
	}
	for !p.shiftStart(k + 1).After(t) {
		k++
	}
	return k, true
}

func parseClock(s string) (hh, mm int, err error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || len(h) != 2 || len(m) != 2 || err1 != nil || err2 != nil || hh > 23 || mm > 59 || hh < 0 || mm < 0 {
		return 0, 0, ward.Errorf(ward.CodeInvalid, "hand_over must be a 24-hour local time HH:MM, such as 08:00")
	}
	return hh, mm, nil
}

func parseDay(field, s string) (int64, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return 0, ward.Errorf(ward.CodeInvalid, "%s must be a date YYYY-MM-DD between 2000 and 2200", field)
	}
	return t.Unix() / 86400, nil
}

// stamp writes t for an error's detail.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
