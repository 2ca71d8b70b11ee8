package demo

import (
	"strings"
	"time"

	"kefu/internal/commerce"
	"kefu/internal/demo/content"
)

// shipmentPlan is an outbound parcel with its tracking history up to now.
type shipmentPlan struct {
	carrier  content.Carrier
	tracking string
	status   string
	events   []commerce.ShipmentEvent
}

// logisticsMaker turns a shipped order into a carrier, a tracking number and scans from the
// warehouse city through sorting hubs to the customer's door.
type logisticsMaker struct {
	carriers   []content.Carrier
	carrierTbl *table
	templates  map[string][]content.LogisticsEvent // by code; looked up, never iterated
	exceptions []content.LogisticsEvent            // non-terminal exception templates, data order
	warehouses map[string]place                    // region → warehouse city
	mainWH     place
	hubs       []place // big sorting hubs
	names      *nameMaker
	used       map[string]bool // tracking numbers handed out
	now        time.Time
}

func newLogisticsMaker(set *content.Set, now time.Time) *logisticsMaker {
	m := &logisticsMaker{carriers: set.Carriers, templates: map[string][]content.LogisticsEvent{},
		warehouses: map[string]place{}, names: newNameMaker(set.Names), used: map[string]bool{}, now: now}
	w := make([]float64, len(set.Carriers))
	for i, c := range set.Carriers {
		w[i] = float64(c.Share)
	}
	m.carrierTbl = newTable(w)
	for _, e := range set.LogisticsEvents {
		m.templates[e.Code] = append(m.templates[e.Code], e)
		if e.Exception && !e.Terminal {
			m.exceptions = append(m.exceptions, e)
		}
	}
	// The shop keeps one warehouse per region, in the first city listed for it; the first one
	// is the main warehouse. The first city of every province is a sorting hub.
	for _, p := range set.Provinces {
		if len(p.Cities) == 0 {
			continue
		}
		pl := place{prov: p, city: p.Cities[0]}
		if _, ok := m.warehouses[p.Region]; !ok && !p.Remote && p.Kind != "sar" {
			m.warehouses[p.Region] = pl
			if m.mainWH.city.NameZH == "" {
				m.mainWH = pl
			}
		}
		if p.Kind != "sar" {
			m.hubs = append(m.hubs, pl)
		}
	}
	return m
}

// trackingNumber draws an unused number in the carrier's format.
func (m *logisticsMaker) trackingNumber(r *rng, c content.Carrier) string {
	for {
		n := c.Prefix + r.digits(c.Digits)
		if !m.used[n] {
			m.used[n] = true
			return n
		}
	}
}

// slotValues are a scan's placeholder values in one language.
type slotValues struct {
	carrier, city, hub, nextCity, courier, phone, station, signer string
}

func (v *slotValues) get(name string) string {
	switch name {
	case "carrier":
		return v.carrier
	case "city":
		return v.city
	case "hub":
		return v.hub
	case "next_city":
		return v.nextCity
	case "courier":
		return v.courier
	case "phone":
		return v.phone
	case "station":
		return v.station
	case "signer":
		return v.signer
	}
	return ""
}

// fill replaces {placeholders} in a template with get(name) (a hot path: ~8 scans per parcel,
// several messages per conversation).
func fill(text string, get func(string) string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 32)
	for {
		open := strings.IndexByte(text, '{')
		if open < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := strings.IndexByte(text[open:], '}')
		if end < 0 {
			b.WriteString(text)
			return b.String()
		}
		b.WriteString(text[:open])
		b.WriteString(get(text[open+1 : open+end]))
		text = text[open+end+1:]
	}
}

// station is a courier outlet in a district.
func station(pl place, d content.Name) (zh, en string) {
	return d.ZH + "营业部", d.EN + " Service Point"
}

func hubName(pl place) (zh, en string) {
	return pl.zhShort() + "转运中心", pl.city.NameEN + " Sorting Hub"
}

// shipment builds the parcel of o, shipped at o.res.shipped and (maybe) delivered at
// o.res.delivered; scans after now are not there yet.
func (m *logisticsMaker) shipment(r *rng, o *orderPlan, tl timeline) *shipmentPlan {
	c := m.carriers[m.carrierTbl.draw(r)]
	if o.buyer.tier == "vip" && r.chance(0.7) {
		for _, x := range m.carriers {
			if x.Redirect { // VIP parcels go with a premium carrier (the first that can redirect)
				c = x
				break
			}
		}
	}
	sp := &shipmentPlan{carrier: c, tracking: m.trackingNumber(r, c)}
	dest := o.ship.at
	origin, ok := m.warehouses[dest.prov.Region]
	if !ok || r.chance(0.3) {
		origin = m.mainWH
	}
	shipped := *o.res.shipped
	delivered := shipped.Add(tl.transit)
	if o.res.delivered != nil {
		delivered = *o.res.delivered
	}
	// The route: warehouse city → (hub) → destination city.
	var hub *place
	if origin.city.NameZH != dest.city.NameZH && len(m.hubs) > 0 && r.chance(0.6) {
		h := pick(r, m.hubs)
		if h.city.NameZH != origin.city.NameZH && h.city.NameZH != dest.city.NameZH {
			hub = &h
		}
	}
	courierZH, py1, py2 := m.names.zh(r)
	courierEN := m.names.pinyinName(py1, py2)
	courierPhone := "147" + r.digits(8) // courier numbers come from a block no demo customer has
	destStationZH, destStationEN := station(dest, o.ship.district)
	originD := pick(r, origin.city.Districts)
	originStationZH, originStationEN := station(origin, originD)

	type step struct {
		code         string
		at           place
		next         *place
		hub, station [2]string
	}
	originHub := [2]string{}
	originHub[0], originHub[1] = hubName(origin)
	var steps []step
	steps = append(steps,
		step{code: "order_received", at: origin},
		step{code: "picked_up", at: origin, station: [2]string{originStationZH, originStationEN}},
		step{code: "arrived_hub", at: origin, hub: originHub},
	)
	if hub != nil {
		hz, he := hubName(*hub)
		steps = append(steps,
			step{code: "departed_hub", at: origin, next: hub, hub: originHub},
			step{code: "arrived_hub", at: *hub, hub: [2]string{hz, he}},
			step{code: "departed_hub", at: *hub, next: &dest, hub: [2]string{hz, he}},
		)
	} else if origin.city.NameZH != dest.city.NameZH {
		steps = append(steps,
			step{code: "departed_hub", at: origin, next: &dest, hub: originHub},
			step{code: "in_transit", at: origin, next: &dest},
		)
	}
	steps = append(steps,
		step{code: "arrived_destination", at: dest, station: [2]string{destStationZH, destStationEN}},
		step{code: "out_for_delivery", at: dest, station: [2]string{destStationZH, destStationEN}},
	)
	deliveredCode := pick(r, []string{"delivered", "delivered", "delivered", "delivered_locker", "delivered_station", "signed_by_proxy"})
	steps = append(steps, step{code: deliveredCode, at: dest, station: [2]string{destStationZH, destStationEN}})
	// A logistics exception: weather, road closures or damage on the way, or a failed delivery
	// attempt at the door followed by a second round the next day.
	if tl.exception && len(m.exceptions) > 0 {
		ex := pick(r, m.exceptions)
		atDoor := strings.Contains(ex.TextEN, "{courier}") || strings.Contains(ex.TextEN, "{station}") || strings.Contains(ex.Code, "answer")
		n := len(steps)
		if atDoor {
			exStep := step{code: ex.Code, at: dest, station: [2]string{destStationZH, destStationEN}}
			steps = append(steps[:n-1:n-1], exStep, steps[n-2], steps[n-1])
		} else {
			mid := 3
			exStep := step{code: ex.Code, at: steps[mid-1].at, next: &dest, hub: originHub}
			steps = append(steps[:mid:mid], append([]step{exStep}, steps[mid:]...)...)
		}
	}
	// Timing: the first scans follow shipment within hours, the last two come on delivery day,
	// the rest spread over the journey.
	n := len(steps)
	times := make([]time.Time, n)
	span := delivered.Sub(shipped)
	times[0] = shipped
	times[1] = shipped.Add(min(span/6, r.span(40*time.Minute, 4*time.Hour)))
	times[n-1] = delivered
	times[n-2] = delivered.Add(-min(span/6, r.span(30*time.Minute, 3*time.Hour)))
	for i := 2; i < n-2; i++ {
		frac := float64(i-1) / float64(n-2)
		times[i] = times[1].Add(time.Duration(frac * float64(times[n-2].Sub(times[1]))))
		times[i] = times[i].Add(time.Duration(r.Int64N(int64(20 * time.Minute))))
	}
	for i := 1; i < n; i++ { // strictly increasing scan times
		if !times[i].After(times[i-1]) {
			times[i] = times[i-1].Add(time.Minute)
		}
	}
	signer := pick(r, [][2]string{{"本人", "the recipient"}, {"本人", "the recipient"}, {"家人", "a family member"}, {"前台", "the front desk"}, {"门卫", "the building guard"}})
	for i, st := range steps {
		at := times[i].Truncate(time.Second)
		if at.After(m.now) {
			break
		}
		tmpls := m.templates[st.code]
		if len(tmpls) == 0 {
			continue
		}
		t := pick(r, tmpls)
		zh := slotValues{carrier: c.NameZH, city: st.at.zhShort(), hub: st.hub[0], nextCity: dest.zhShort(), courier: courierZH,
			phone: courierPhone, station: st.station[0], signer: signer[0]}
		en := slotValues{carrier: c.NameEN, city: st.at.city.NameEN, hub: st.hub[1], nextCity: dest.city.NameEN, courier: courierEN,
			phone: courierPhone, station: st.station[1], signer: signer[1]}
		if st.next != nil {
			zh.nextCity, en.nextCity = st.next.zhShort(), st.next.city.NameEN
		}
		if st.hub[0] == "" {
			zh.hub, en.hub = originHub[0], originHub[1]
		}
		if st.station[0] == "" {
			zh.station, en.station = destStationZH, destStationEN
		}
		sp.events = append(sp.events, commerce.ShipmentEvent{At: at, Status: t.Code, Location: st.at.city.NameZH,
			DescriptionZH: fill(t.TextZH, zh.get), DescriptionEN: fill(t.TextEN, en.get)})
	}
	sp.status = "picked_up"
	if k := len(sp.events); k > 0 {
		sp.status = shipmentStatus(sp.events[k-1].Status)
	}
	return sp
}

// shipmentStatus maps a scan code to the shipment's summary status.
func shipmentStatus(code string) string {
	switch {
	case code == "order_received" || code == "picked_up":
		return "picked_up"
	case code == "out_for_delivery":
		return "out_for_delivery"
	case strings.HasPrefix(code, "delivered") || code == "signed_by_proxy":
		return "delivered"
	case code == "returned_to_sender":
		return "returned"
	case strings.HasPrefix(code, "exception"):
		return "exception"
	}
	return "in_transit"
}
