package commerce

import (
	"context"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/pii"
	"kefu/internal/store"
)

// Order is a customer's order with, when loaded singly, its items and shipments.
type Order struct {
	ID            int64      `json:"id"`
	Number        string     `json:"number"`
	CustomerID    int64      `json:"customer_id"`
	Status        string     `json:"status"`
	PaymentStatus string     `json:"payment_status"`
	PaymentMethod string     `json:"payment_method"`
	Currency      string     `json:"currency"`
	ItemsCents    int64      `json:"items_cents"`
	ShippingCents int64      `json:"shipping_cents"`
	DiscountCents int64      `json:"discount_cents"`
	TotalCents    int64      `json:"total_cents"`
	RefundedCents int64      `json:"refunded_cents"`
	CouponCode    string     `json:"coupon_code"`
	ShipTo        Address    `json:"ship_to"`
	Note          string     `json:"note"`
	PlacedAt      time.Time  `json:"placed_at"`
	PaidAt        *time.Time `json:"paid_at"`
	ShippedAt     *time.Time `json:"shipped_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
	CompletedAt   *time.Time `json:"completed_at"`
	CancelledAt   *time.Time `json:"cancelled_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Items         []Item     `json:"items,omitempty"`
	Shipments     []Shipment `json:"shipments,omitempty"`
}

// Address is a delivery address. Phone is shown masked to staff.
type Address struct {
	Recipient string `json:"recipient"`
	Phone     string `json:"phone"`
	Line      string `json:"line"`
	Province  string `json:"province"`
	City      string `json:"city"`
	District  string `json:"district"`
}

// Item is one order line.
type Item struct {
	ID             int64  `json:"id"`
	ProductID      *int64 `json:"product_id"`
	SKU            string `json:"sku"`
	Title          string `json:"title"`
	Qty            int    `json:"qty"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	TotalCents     int64  `json:"total_cents"`
	RefundedQty    int    `json:"refunded_qty"`
}

// Shipment is a parcel of an order (outbound) or a customer's return parcel.
type Shipment struct {
	ID             int64           `json:"id"`
	Direction      string          `json:"direction"`
	Carrier        string          `json:"carrier"`
	CarrierName    string          `json:"carrier_name"`
	TrackingNumber string          `json:"tracking_number"`
	Status         string          `json:"status"`
	ShippedAt      *time.Time      `json:"shipped_at"`
	DeliveredAt    *time.Time      `json:"delivered_at"`
	Events         []ShipmentEvent `json:"events"`
}

// ShipmentEvent is one logistics scan, newest last.
type ShipmentEvent struct {
	At            time.Time `json:"at"`
	Status        string    `json:"status"`
	Location      string    `json:"location"`
	DescriptionZH string    `json:"description_zh"`
	DescriptionEN string    `json:"description_en"`
}

// NewOrder is an order as a shop's system sends it (or the demo generator makes it).
type NewOrder struct {
	Number        string        `json:"number"`
	CustomerID    int64         `json:"customer_id"`
	Status        string        `json:"status"`
	PaymentStatus string        `json:"payment_status"`
	PaymentMethod string        `json:"payment_method"`
	ShippingCents int64         `json:"shipping_cents"`
	DiscountCents int64         `json:"discount_cents"`
	CouponCode    string        `json:"coupon_code"`
	ShipTo        Address       `json:"ship_to"`
	Note          string        `json:"note"`
	PlacedAt      time.Time     `json:"placed_at"`
	PaidAt        *time.Time    `json:"paid_at"`
	ShippedAt     *time.Time    `json:"shipped_at"`
	DeliveredAt   *time.Time    `json:"delivered_at"`
	CompletedAt   *time.Time    `json:"completed_at"`
	CancelledAt   *time.Time    `json:"cancelled_at"`
	Items         []NewItem     `json:"items"`
	Shipments     []NewShipment `json:"shipments"`
}

// NewItem is an order line in NewOrder; ProductID is looked up from SKU when absent.
type NewItem struct {
	SKU            string `json:"sku"`
	Title          string `json:"title"`
	Qty            int    `json:"qty"`
	UnitPriceCents int64  `json:"unit_price_cents"`
}

// NewShipment is a shipment in NewOrder.
type NewShipment struct {
	Direction      string          `json:"direction"`
	Carrier        string          `json:"carrier"`
	CarrierName    string          `json:"carrier_name"`
	TrackingNumber string          `json:"tracking_number"`
	Status         string          `json:"status"`
	ShippedAt      *time.Time      `json:"shipped_at"`
	DeliveredAt    *time.Time      `json:"delivered_at"`
	Events         []ShipmentEvent `json:"events"`
}

// CreateOrder validates and inserts an order with items and shipments. Totals are computed
// here from the lines so they can never disagree with them. Run it inside a transaction.
func (s *Service) CreateOrder(ctx context.Context, q store.Querier, in NewOrder) (int64, error) {
	if !OrderNumberPattern.MatchString(in.Number) {
		return 0, apperr.Invalid("number", "must look like KF20261101001 (KF, the date, then 3 to 6 digits)")
	}
	if in.CustomerID <= 0 {
		return 0, apperr.Invalid("customer_id", "is required")
	}
	if !oneOf(in.Status, OrderStatuses) {
		return 0, apperr.Invalid("status", "must be one of pending_payment, paid, shipped, delivered, completed, cancelled")
	}
	if in.PaymentStatus == "" {
		in.PaymentStatus = "paid"
		if in.Status == "pending_payment" {
			in.PaymentStatus = "unpaid"
		}
	}
	if !oneOf(in.PaymentStatus, PaymentStatuses) {
		return 0, apperr.Invalid("payment_status", "must be one of unpaid, paid, partially_refunded, refunded")
	}
	if len(in.Items) == 0 || len(in.Items) > 200 {
		return 0, apperr.Invalid("items", "an order needs 1 to 200 items")
	}
	if in.ShippingCents < 0 || in.DiscountCents < 0 {
		return 0, apperr.Invalid("shipping_cents", "amounts must not be negative")
	}
	var err error
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"payment_method", &in.PaymentMethod, 40}, {"coupon_code", &in.CouponCode, 40}, {"note", &in.Note, 2000},
		{"ship_to.recipient", &in.ShipTo.Recipient, 100}, {"ship_to.phone", &in.ShipTo.Phone, 40}, {"ship_to.line", &in.ShipTo.Line, 500},
		{"ship_to.province", &in.ShipTo.Province, 50}, {"ship_to.city", &in.ShipTo.City, 50}, {"ship_to.district", &in.ShipTo.District, 50}} {
		if *f.v, err = text(f.name, *f.v, 0, f.max); err != nil {
			return 0, err
		}
	}
	var exists int
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM customers WHERE id = ?`, in.CustomerID).Scan(&exists); err != nil {
		return 0, err
	}
	if exists == 0 {
		return 0, apperr.Invalid("customer_id", "no such customer")
	}
	var itemsTotal int64
	for i := range in.Items {
		it := &in.Items[i]
		if it.SKU, err = validSKU("items.sku", it.SKU); err != nil {
			return 0, err
		}
		if it.Title, err = text("items.title", it.Title, 1, 200); err != nil {
			return 0, err
		}
		if it.Qty < 1 || it.Qty > 10000 || it.UnitPriceCents < 0 || it.UnitPriceCents > 1e10 {
			return 0, apperr.Invalid("items", "qty must be 1 to 10000 and unit_price_cents not negative")
		}
		itemsTotal += int64(it.Qty) * it.UnitPriceCents
	}
	total := itemsTotal + in.ShippingCents - in.DiscountCents
	if total < 0 {
		return 0, apperr.Invalid("discount_cents", "the discount is larger than the order")
	}
	if in.PlacedAt.IsZero() {
		in.PlacedAt = s.Now()
	}
	id, err := store.InsertID(ctx, q, `INSERT INTO orders (number, customer_id, status, payment_status, payment_method, items_cents, shipping_cents, discount_cents, total_cents,
		coupon_code, recipient_enc, ship_phone_enc, ship_line_enc, ship_province, ship_city, ship_district, note, placed_at, paid_at, shipped_at, delivered_at, completed_at, cancelled_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.Number, in.CustomerID, in.Status, in.PaymentStatus, in.PaymentMethod, itemsTotal, in.ShippingCents, in.DiscountCents, total,
		in.CouponCode, s.PII.Seal(in.ShipTo.Recipient), s.PII.Seal(in.ShipTo.Phone), s.PII.Seal(in.ShipTo.Line), in.ShipTo.Province, in.ShipTo.City, in.ShipTo.District,
		in.Note, in.PlacedAt, in.PaidAt, in.ShippedAt, in.DeliveredAt, in.CompletedAt, in.CancelledAt, s.Now())
	if store.IsUniqueViolation(err) {
		return 0, apperr.Conflict("order_number_taken", "an order with this number already exists").Wrap(err)
	}
	if err != nil {
		return 0, err
	}
	for _, it := range in.Items {
		var pid any
		var p int64
		if err := q.QueryRow(ctx, `SELECT id FROM products WHERE sku = ?`, it.SKU).Scan(&p); err == nil {
			pid = p
		} else if err := q.QueryRow(ctx, `SELECT product_id FROM product_variants WHERE sku = ?`, it.SKU).Scan(&p); err == nil {
			pid = p
		}
		if _, err := q.Exec(ctx, `INSERT INTO order_items (order_id, product_id, sku, title, qty, unit_price_cents, total_cents) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, pid, it.SKU, it.Title, it.Qty, it.UnitPriceCents, int64(it.Qty)*it.UnitPriceCents); err != nil {
			return 0, err
		}
	}
	for _, sh := range in.Shipments {
		if err := s.AddShipment(ctx, q, id, sh); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// AddShipment records a parcel and its logistics events.
func (s *Service) AddShipment(ctx context.Context, q store.Querier, orderID int64, sh NewShipment) error {
	if sh.Direction == "" {
		sh.Direction = "outbound"
	}
	if sh.Direction != "outbound" && sh.Direction != "return" {
		return apperr.Invalid("shipments.direction", "must be outbound or return")
	}
	var err error
	if sh.Carrier, err = text("shipments.carrier", sh.Carrier, 1, 40); err != nil {
		return err
	}
	if sh.TrackingNumber, err = validSKU("shipments.tracking_number", sh.TrackingNumber); err != nil {
		return err
	}
	if sh.Status == "" {
		sh.Status = "picked_up"
	}
	sid, err := store.InsertID(ctx, q, `INSERT INTO shipments (order_id, direction, carrier, carrier_name, tracking_number, status, shipped_at, delivered_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, orderID, sh.Direction, sh.Carrier, sh.CarrierName, sh.TrackingNumber, sh.Status, sh.ShippedAt, sh.DeliveredAt, s.Now())
	if err != nil {
		return err
	}
	for _, e := range sh.Events {
		if _, err := q.Exec(ctx, `INSERT INTO shipment_events (shipment_id, at, status, location, description_zh, description_en) VALUES (?, ?, ?, ?, ?, ?)`,
			sid, e.At, e.Status, e.Location, e.DescriptionZH, e.DescriptionEN); err != nil {
			return err
		}
	}
	return nil
}

const orderColumns = `id, number, customer_id, status, payment_status, payment_method, currency, items_cents, shipping_cents, discount_cents, total_cents, refunded_cents,
	coupon_code, recipient_enc, ship_phone_enc, ship_line_enc, ship_province, ship_city, ship_district, note, placed_at, paid_at, shipped_at, delivered_at, completed_at, cancelled_at, updated_at`

func (s *Service) scanOrder(row interface{ Scan(...any) error }) (*Order, error) {
	var o Order
	var rec, phone, line []byte
	err := row.Scan(&o.ID, &o.Number, &o.CustomerID, &o.Status, &o.PaymentStatus, &o.PaymentMethod, &o.Currency, &o.ItemsCents, &o.ShippingCents, &o.DiscountCents,
		&o.TotalCents, &o.RefundedCents, &o.CouponCode, &rec, &phone, &line, &o.ShipTo.Province, &o.ShipTo.City, &o.ShipTo.District, &o.Note,
		&o.PlacedAt, &o.PaidAt, &o.ShippedAt, &o.DeliveredAt, &o.CompletedAt, &o.CancelledAt, &o.UpdatedAt)
	if err != nil {
		return nil, err
	}
	o.ShipTo.Recipient, _ = s.PII.Open(rec)
	p, _ := s.PII.Open(phone)
	o.ShipTo.Phone = pii.MaskPhone(p)
	o.ShipTo.Line, _ = s.PII.Open(line)
	return &o, nil
}

// OrderFilter narrows ListOrders.
type OrderFilter struct {
	CustomerID int64
	Status     string
	Number     string
	From, To   *time.Time
}

// OrderSorts maps API sort names to columns.
var OrderSorts = map[string]string{"id": "id", "placed_at": "placed_at", "total": "total_cents", "updated_at": "updated_at"}

// ListOrders lists orders without items (fetch one for the detail).
func (s *Service) ListOrders(ctx context.Context, f OrderFilter, page store.Page) ([]*Order, error) {
	var w store.Where
	if f.CustomerID != 0 {
		w.Add("customer_id = ?", f.CustomerID)
	}
	if f.Status != "" {
		w.Add("status = ?", f.Status)
	}
	if f.Number != "" {
		w.Add("number = ?", f.Number)
	}
	if f.From != nil {
		w.Add("placed_at >= ?", *f.From)
	}
	if f.To != nil {
		w.Add("placed_at < ?", *f.To)
	}
	rows, err := s.DB.Query(ctx, `SELECT `+orderColumns+` FROM orders`+w.SQL()+page.SQL(), w.Args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Order
	for rows.Next() {
		o, err := s.scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// GetOrder loads an order with items and shipments (events oldest first).
func (s *Service) GetOrder(ctx context.Context, id int64) (*Order, error) {
	return s.getOrder(ctx, `id = ?`, id)
}

// GetOrderByNumber loads an order by its number.
func (s *Service) GetOrderByNumber(ctx context.Context, number string) (*Order, error) {
	return s.getOrder(ctx, `number = ?`, number)
}

func (s *Service) getOrder(ctx context.Context, where string, arg any) (*Order, error) {
	o, err := s.scanOrder(s.DB.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE `+where, arg))
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("order")
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, product_id, sku, title, qty, unit_price_cents, total_cents, refunded_qty FROM order_items WHERE order_id = ? ORDER BY id`, o.ID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.ProductID, &it.SKU, &it.Title, &it.Qty, &it.UnitPriceCents, &it.TotalCents, &it.RefundedQty); err != nil {
			rows.Close()
			return nil, err
		}
		o.Items = append(o.Items, it)
	}
	rows.Close()
	o.Shipments, err = s.shipments(ctx, o.ID)
	return o, err
}

func (s *Service) shipments(ctx context.Context, orderID int64) ([]Shipment, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, direction, carrier, carrier_name, tracking_number, status, shipped_at, delivered_at FROM shipments WHERE order_id = ? ORDER BY id`, orderID)
	if err != nil {
		return nil, err
	}
	var out []Shipment
	for rows.Next() {
		var sh Shipment
		if err := rows.Scan(&sh.ID, &sh.Direction, &sh.Carrier, &sh.CarrierName, &sh.TrackingNumber, &sh.Status, &sh.ShippedAt, &sh.DeliveredAt); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, sh)
	}
	rows.Close()
	for i := range out {
		ev, err := s.DB.Query(ctx, `SELECT at, status, location, description_zh, description_en FROM shipment_events WHERE shipment_id = ? ORDER BY at, id`, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i].Events = []ShipmentEvent{}
		for ev.Next() {
			var e ShipmentEvent
			if err := ev.Scan(&e.At, &e.Status, &e.Location, &e.DescriptionZH, &e.DescriptionEN); err != nil {
				ev.Close()
				return nil, err
			}
			out[i].Events = append(out[i].Events, e)
		}
		ev.Close()
	}
	return out, nil
}
