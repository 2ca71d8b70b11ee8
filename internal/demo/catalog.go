package demo

import (
	"context"
	"fmt"
	"math"

	"kefu/internal/commerce"
	"kefu/internal/demo/content"
	"kefu/internal/store"
)

// skuRef is one sellable SKU (a product without variants, or one variant) as orders use it.
type skuRef struct {
	productID  int64
	productSKU string
	sku        string
	titleZH    string
	titleEN    string
	price      int64 // cents
	category   string
	brandZH    string
	brandEN    string
}

// title is the order-line title in the customer's language.
func (s skuRef) title(lang string) string {
	if lang == "en" && s.titleEN != "" {
		return s.titleEN
	}
	return s.titleZH
}

func cents(yuan float64) int64 { return int64(math.Round(yuan * 100)) }

// productInput turns a content product into the commerce service's input. Attributes keep the
// English (or language-neutral) value under the key and the Chinese one under key_zh, so one
// JSON object serves both languages.
func productInput(p content.Product, brands map[string]content.Brand) commerce.NewProduct {
	attrs := map[string]string{}
	for k, v := range p.Attributes {
		attrs[k] = v
		if zh := p.AttributesZH[k]; zh != "" && zh != v {
			attrs[k+"_zh"] = zh
		}
	}
	brand := p.Brand
	if b, ok := brands[p.Brand]; ok {
		brand = b.NameZH
		attrs["brand_en"] = b.NameEN
	}
	if p.SizeChart != "" {
		attrs["size_chart"] = p.SizeChart
	}
	in := commerce.NewProduct{
		SKU: p.SKU, TitleZH: p.TitleZH, TitleEN: p.TitleEN, DescriptionZH: p.DescriptionZH, DescriptionEN: p.DescriptionEN,
		Category: p.Category, Brand: brand, Attributes: attrs, PriceCents: cents(p.Price), Stock: p.Stock,
		Images: []string{}, Tags: p.Tags,
	}
	for _, v := range p.Variants {
		va := map[string]string{}
		if v.ColorEN != "" {
			va["color"], va["color_zh"] = v.ColorEN, v.ColorZH
		}
		if v.Size != "" {
			va["size"] = v.Size
		}
		in.Variants = append(in.Variants, commerce.NewVariant{SKU: v.SKU, Attributes: va, PriceCents: cents(p.Price + v.PriceDelta), Stock: v.Stock})
	}
	return in
}

// variantSuffix describes a variant for an order-line title: "白色 M" / "White M".
func variantSuffix(v content.Variant, lang string) string {
	c := v.ColorZH
	if lang == "en" {
		c = v.ColorEN
	}
	switch {
	case c != "" && v.Size != "":
		return c + " " + v.Size
	case c != "":
		return c
	}
	return v.Size
}

// skuRefs lists every sellable SKU of the content catalogue; product ids are filled in when
// the products are written.
func skuRefs(set *content.Set) []skuRef {
	brands := map[string]content.Brand{}
	for _, b := range set.Brands {
		brands[b.Slug] = b
	}
	var refs []skuRef
	for _, p := range set.Products {
		b := brands[p.Brand]
		base := skuRef{productSKU: p.SKU, sku: p.SKU, titleZH: p.TitleZH, titleEN: p.TitleEN, price: cents(p.Price), category: p.Category, brandZH: b.NameZH, brandEN: b.NameEN}
		if len(p.Variants) == 0 {
			refs = append(refs, base)
			continue
		}
		for _, v := range p.Variants {
			r := base
			r.sku = v.SKU
			r.price = cents(p.Price + v.PriceDelta)
			r.titleZH = p.TitleZH + " " + variantSuffix(v, "zh")
			r.titleEN = p.TitleEN + " " + variantSuffix(v, "en")
			refs = append(refs, r)
		}
	}
	return refs
}

// loadCatalogue writes categories and products through the commerce service and sets the
// product id of every SKU in refs.
func loadCatalogue(ctx context.Context, tx *store.Tx, cs *commerce.Service, set *content.Set, refs []skuRef) (variants int, err error) {
	for _, c := range set.Categories {
		if _, err := cs.UpsertCategory(ctx, tx, commerce.Category{Slug: c.Slug, NameZH: c.NameZH, NameEN: c.NameEN, NoReasonReturn: c.NoReasonReturn}); err != nil {
			return 0, err
		}
	}
	brands := map[string]content.Brand{}
	for _, b := range set.Brands {
		brands[b.Slug] = b
	}
	ids := map[string]int64{}
	for _, p := range set.Products {
		id, err := cs.CreateProduct(ctx, tx, productInput(p, brands))
		if err != nil {
			return 0, fmt.Errorf("product %s: %w", p.SKU, err)
		}
		ids[p.SKU] = id
		variants += len(p.Variants)
	}
	for i := range refs {
		refs[i].productID = ids[refs[i].productSKU]
	}
	return variants, nil
}

// productsFromDB reads the sellable SKUs back for --scale.
func productsFromDB(ctx context.Context, db *store.DB) ([]skuRef, error) {
	rows, err := db.Query(ctx, `SELECT p.id, p.sku, COALESCE(v.sku, p.sku), p.title_zh, p.title_en, COALESCE(v.price_cents, p.price_cents), COALESCE(c.slug, ''), p.brand
		FROM products p LEFT JOIN product_variants v ON v.product_id = p.id LEFT JOIN categories c ON c.id = p.category_id
		WHERE p.status = 'active' ORDER BY p.id, v.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []skuRef
	for rows.Next() {
		var s skuRef
		if err := rows.Scan(&s.productID, &s.productSKU, &s.sku, &s.titleZH, &s.titleEN, &s.price, &s.category, &s.brandZH); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// popularity gives each SKU a weight: a few bestsellers, a long tail. Variants of one product
// share the product's weight, and bestseller-tagged products get a boost.
func popularity(r *rng, refs []skuRef, set *content.Set) *table {
	best := map[string]bool{}
	if set != nil {
		for _, p := range set.Products {
			for _, t := range p.Tags {
				if t == "bestseller" {
					best[p.SKU] = true
				}
			}
		}
	}
	w := make([]float64, len(refs))
	var prodW float64
	var last int64 = -1
	for i, s := range refs {
		if s.productID != last {
			last = s.productID
			prodW = 1 / (1 + 3*r.Float64()) // 0.25–1
			if r.chance(0.1) {
				prodW *= 4
			}
		}
		w[i] = prodW
		if best[s.productSKU] {
			w[i] *= 3
		}
		if s.price > 300000 { // ¥3,000+ sells less often
			w[i] *= 0.4
		}
	}
	return newTable(w)
}
