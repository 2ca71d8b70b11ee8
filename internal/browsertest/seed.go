package browsertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kefu/internal/commerce"
	"kefu/internal/crm"
	"kefu/internal/store"
)

// Shop is what SeedShop created.
type Shop struct {
	CustomerID     int64
	CustomerName   string
	OrderID        int64
	OrderNumber    string
	TrackingNumber string
	Customers      int
	Products       int
}

// SeedShop fills the database through the domain services with a small shop: categories,
// products, customers and, for the first customer, a shipped order with logistics events.
func SeedShop(t testing.TB, e *Env, customers int) Shop {
	t.Helper()
	ctx := context.Background()
	a := e.App
	sh := Shop{CustomerName: "王小明", OrderNumber: "KF20261111001", TrackingNumber: "SF1234567890123", Customers: customers}
	err := a.DB.Tx(ctx, func(tx *store.Tx) error {
		for _, c := range []commerce.Category{
			{Slug: "apparel", NameZH: "服饰", NameEN: "Apparel", NoReasonReturn: true},
			{Slug: "digital", NameZH: "数码", NameEN: "Electronics", NoReasonReturn: true},
		} {
			if _, err := a.Commerce.UpsertCategory(ctx, tx, c); err != nil {
				return fmt.Errorf("category: %w", err)
			}
		}
		products := []commerce.NewProduct{
			{SKU: "APP-DOWN-01", TitleZH: "轻薄羽绒服 男女同款", TitleEN: "Light down jacket, unisex", Category: "apparel", Brand: "北极绒", PriceCents: 39900, Stock: 120},
			{SKU: "DIG-EAR-02", TitleZH: "无线降噪耳机 Pro", TitleEN: "Wireless noise-cancelling earbuds Pro", Category: "digital", Brand: "声悦", PriceCents: 89900, Stock: 35},
			{SKU: "DIG-CHG-03", TitleZH: "65W 氮化镓充电器", TitleEN: "65 W GaN charger", Category: "digital", Brand: "声悦", PriceCents: 14900, Stock: 0},
		}
		for _, p := range products {
			if _, err := a.Commerce.CreateProduct(ctx, tx, p); err != nil {
				return fmt.Errorf("product %s: %w", p.SKU, err)
			}
		}
		sh.Products = len(products)
		surnames := []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"}
		given := []string{"小明", "芳", "伟", "娜", "静", "磊", "洋", "敏", "杰", "婷"}
		tiers := crm.Tiers
		for i := 0; i < customers; i++ {
			name := surnames[i%len(surnames)] + given[(i/len(surnames)+i)%len(given)]
			if i == 0 {
				name = sh.CustomerName
			}
			in := crm.NewCustomer{
				ExternalID: fmt.Sprintf("shop-%05d", i+1), Name: name,
				Phone: fmt.Sprintf("138%08d", 10000000+i), Email: fmt.Sprintf("c%d@example.com", i+1),
				Tier: tiers[i%len(tiers)], Lang: "zh", ConsentMarketing: i%2 == 0,
			}
			if i == 0 {
				in.Tier, in.Tags = "gold", []string{"复购", "数码"}
				in.Addresses = []crm.NewAddress{{Recipient: name, Phone: "13800001111", Province: "浙江省", City: "杭州市", District: "西湖区", Line: "文三路 100 号", IsDefault: true}}
			}
			id, err := a.CRM.CreateCustomer(ctx, tx, in)
			if err != nil {
				return fmt.Errorf("customer %d: %w", i, err)
			}
			if i == 0 {
				sh.CustomerID = id
			}
		}
		placed := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)
		paid, shipped := placed.Add(10*time.Minute), placed.Add(20*time.Hour)
		oid, err := a.Commerce.CreateOrder(ctx, tx, commerce.NewOrder{
			Number: sh.OrderNumber, CustomerID: sh.CustomerID, Status: "shipped", PaymentStatus: "paid", PaymentMethod: "alipay",
			ShipTo:   commerce.Address{Recipient: sh.CustomerName, Phone: "13800001111", Province: "浙江省", City: "杭州市", District: "西湖区", Line: "文三路 100 号"},
			PlacedAt: placed, PaidAt: &paid, ShippedAt: &shipped,
			Items: []commerce.NewItem{{SKU: "DIG-EAR-02", Title: "无线降噪耳机 Pro", Qty: 1, UnitPriceCents: 89900}, {SKU: "DIG-CHG-03", Title: "65W 氮化镓充电器", Qty: 2, UnitPriceCents: 14900}},
			Shipments: []commerce.NewShipment{{
				Direction: "outbound", Carrier: "sf", CarrierName: "顺丰速运", TrackingNumber: sh.TrackingNumber, Status: "in_transit", ShippedAt: &shipped,
				Events: []commerce.ShipmentEvent{
					{At: shipped, Status: "picked_up", Location: "深圳", DescriptionZH: "快件已揽收", DescriptionEN: "Picked up"},
					{At: shipped.Add(18 * time.Hour), Status: "in_transit", Location: "杭州转运中心", DescriptionZH: "快件已到达杭州转运中心", DescriptionEN: "Arrived at the Hangzhou hub"},
				},
			}},
		})
		if err != nil {
			return fmt.Errorf("order: %w", err)
		}
		sh.OrderID = oid
		return nil
	})
	if err != nil {
		t.Fatalf("seed shop: %v", err)
	}
	return sh
}
