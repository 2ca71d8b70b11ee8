package commerce

import (
	"context"
	"strings"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// Cancellable reports whether an order may still be cancelled by the customer: only before it
// ships. After that the way out is a return.
func Cancellable(status string) bool { return status == "pending_payment" || status == "paid" }

// AddressChangeable reports whether the delivery address may still change (not yet shipped).
func AddressChangeable(status string) bool { return status == "pending_payment" || status == "paid" }

// CancelOrder cancels an unshipped order. A paid order is marked refunded in full: the shop's
// payment integration reads that to return the money.
func (s *Service) CancelOrder(ctx context.Context, q store.Querier, orderID int64) error {
	var status string
	var total int64
	err := q.QueryRow(ctx, `SELECT status, total_cents FROM orders WHERE id = ?`, orderID).Scan(&status, &total)
	if store.IsNoRows(err) {
		return apperr.NotFound("order")
	}
	if err != nil {
		return err
	}
	if !Cancellable(status) {
		return apperr.Conflict("order_not_cancellable", "the order has status "+status+" and can no longer be cancelled; ask for a return instead")
	}
	now := s.Now()
	payment, refunded := "unpaid", int64(0)
	if status == "paid" {
		payment, refunded = "refunded", total
	}
	// The status in the WHERE clause makes a concurrent ship-and-cancel race lose cleanly.
	res, err := q.Exec(ctx, `UPDATE orders SET status = 'cancelled', payment_status = ?, refunded_cents = ?, cancelled_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
		payment, refunded, now, now, orderID, status)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Conflict("order_changed", "the order changed while cancelling; look again")
	}
	return nil
}

// ChangeAddress replaces the delivery address of an unshipped order.
func (s *Service) ChangeAddress(ctx context.Context, q store.Querier, orderID int64, a Address) error {
	var err error
	if a.Line, err = text("line", a.Line, 4, 500); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"recipient", &a.Recipient, 100}, {"phone", &a.Phone, 40}, {"province", &a.Province, 50}, {"city", &a.City, 50}, {"district", &a.District, 50}} {
		if *f.v, err = text(f.name, *f.v, 0, f.max); err != nil {
			return err
		}
	}
	var status string
	var rec, phone []byte
	err = q.QueryRow(ctx, `SELECT status, recipient_enc, ship_phone_enc FROM orders WHERE id = ?`, orderID).Scan(&status, &rec, &phone)
	if store.IsNoRows(err) {
		return apperr.NotFound("order")
	}
	if err != nil {
		return err
	}
	if !AddressChangeable(status) {
		return apperr.Conflict("address_not_changeable", "the order has status "+status+"; the parcel has left the warehouse")
	}
	// Keep the recipient and phone unless new ones are given.
	recipient, ph := rec, phone
	if a.Recipient != "" {
		recipient = s.PII.Seal(a.Recipient)
	}
	if a.Phone != "" {
		ph = s.PII.Seal(a.Phone)
	}
	res, err := q.Exec(ctx, `UPDATE orders SET recipient_enc = ?, ship_phone_enc = ?, ship_line_enc = ?, ship_province = ?, ship_city = ?, ship_district = ?, updated_at = ? WHERE id = ? AND status = ?`,
		recipient, ph, s.PII.Seal(a.Line), a.Province, a.City, a.District, s.Now(), orderID, status)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Conflict("order_changed", "the order changed while updating; look again")
	}
	return nil
}

// RecentOrders returns a customer's latest orders, newest first, with items and shipments.
func (s *Service) RecentOrders(ctx context.Context, customerID int64, limit int) ([]*Order, error) {
	list, err := s.ListOrders(ctx, OrderFilter{CustomerID: customerID}, store.Page{Limit: limit, Sort: "placed_at", Desc: true})
	if err != nil {
		return nil, err
	}
	if len(list) > limit {
		list = list[:limit]
	}
	out := make([]*Order, 0, len(list))
	for _, o := range list {
		full, err := s.GetOrder(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, full)
	}
	return out, nil
}

// ItemCategory is an order line's category, for after-sales policy decisions.
type ItemCategory struct {
	Category       string
	NoReasonReturn bool
}

// ItemCategories maps each SKU of an order to its product category.
func (s *Service) ItemCategories(ctx context.Context, orderID int64) (map[string]ItemCategory, error) {
	rows, err := s.DB.Query(ctx, `SELECT i.sku, COALESCE(c.slug, ''), COALESCE(c.no_reason_return, ?) FROM order_items i
		LEFT JOIN products p ON p.id = i.product_id LEFT JOIN categories c ON c.id = p.category_id WHERE i.order_id = ?`, true, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]ItemCategory{}
	for rows.Next() {
		var sku string
		var c ItemCategory
		if err := rows.Scan(&sku, &c.Category, &c.NoReasonReturn); err != nil {
			return nil, err
		}
		out[sku] = c
	}
	return out, rows.Err()
}

// FindProducts finds active products by exact SKU (product or variant) or by title text.
func (s *Service) FindProducts(ctx context.Context, query string, limit int) ([]*Product, error) {
	query = strings.TrimSpace(query)
	page := store.Page{Limit: limit, Sort: "p.stock", Desc: true}
	var ids []int64
	var id int64
	if err := s.DB.QueryRow(ctx, `SELECT product_id FROM product_variants WHERE sku = ?`, query).Scan(&id); err == nil {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		list, err := s.ListProducts(ctx, ProductFilter{Query: query, Status: "active"}, page)
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]*Product, 0, len(ids))
	for _, id := range ids {
		p, err := s.GetProduct(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
