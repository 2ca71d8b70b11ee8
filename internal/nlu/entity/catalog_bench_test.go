package entity

import (
	"testing"

	"kefu/internal/demo/content"
)

// BenchmarkExtractDemoCatalog extracts entities from the load generator's customer messages
// against the demo store's whole catalogue (names built as the app builds them), the cost
// every bot turn pays.
func BenchmarkExtractDemoCatalog(b *testing.B) {
	set, err := content.Load()
	if err != nil {
		b.Fatal(err)
	}
	var products []Product
	for _, p := range set.Products {
		names := []string{p.TitleZH, p.TitleEN}
		if p.Brand != "" {
			names = append(names, p.Brand+p.TitleZH)
		}
		products = append(products, Product{SKU: p.SKU, Names: names})
	}
	cat := NewCatalog(products)
	texts := []string{"我的订单什么时候发货？", "Where is my order?", "怎么申请退货", "I want a refund for my last order",
		"快递到哪里了", "Can I change my delivery address?", "优惠券怎么用", "你好", "发票怎么开", "How do I return an item?"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Extract(texts[i%len(texts)], now, cat)
	}
}
