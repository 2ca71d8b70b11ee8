package commerce

import (
	"context"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// Product is a catalogue item. Prices are in cents (分).
type Product struct {
	ID            int64             `json:"id"`
	SKU           string            `json:"sku"`
	TitleZH       string            `json:"title_zh"`
	TitleEN       string            `json:"title_en"`
	DescriptionZH string            `json:"description_zh"`
	DescriptionEN string            `json:"description_en"`
	Category      string            `json:"category"` // category slug
	Brand         string            `json:"brand"`
	Attributes    map[string]string `json:"attributes"`
	PriceCents    int64             `json:"price_cents"`
	Stock         int               `json:"stock"`
	Images        []string          `json:"images"`
	Tags          []string          `json:"tags"`
	Status        string            `json:"status"`
	Variants      []Variant         `json:"variants,omitempty"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// Variant is a colour/size variant with its own SKU.
type Variant struct {
	ID         int64             `json:"id"`
	SKU        string            `json:"sku"`
	Attributes map[string]string `json:"attributes"`
	PriceCents int64             `json:"price_cents"`
	Stock      int               `json:"stock"`
}

// Category groups products; NoReasonReturn is false where 7-day no-reason returns do not apply.
type Category struct {
	ID             int64  `json:"id"`
	Slug           string `json:"slug"`
	NameZH         string `json:"name_zh"`
	NameEN         string `json:"name_en"`
	NoReasonReturn bool   `json:"no_reason_return"`
}

// UpsertCategory creates or updates a category by slug and returns its id.
func (s *Service) UpsertCategory(ctx context.Context, q store.Querier, c Category) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM categories WHERE slug = ?`, c.Slug).Scan(&id)
	if store.IsNoRows(err) {
		return store.InsertID(ctx, q, `INSERT INTO categories (slug, name_zh, name_en, no_reason_return) VALUES (?, ?, ?, ?) RETURNING id`,
			c.Slug, c.NameZH, c.NameEN, c.NoReasonReturn)
	}
	if err != nil {
		return 0, err
	}
	_, err = q.Exec(ctx, `UPDATE categories SET name_zh = ?, name_en = ?, no_reason_return = ? WHERE id = ?`, c.NameZH, c.NameEN, c.NoReasonReturn, id)
	return id, err
}

// ListCategories returns all categories by slug.
func (s *Service) ListCategories(ctx context.Context) ([]Category, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, slug, name_zh, name_en, no_reason_return FROM categories ORDER BY slug`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Category{}
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.ID, &c.Slug, &c.NameZH, &c.NameEN, &c.NoReasonReturn); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// NewProduct is the input to CreateProduct.
type NewProduct struct {
	SKU           string            `json:"sku"`
	TitleZH       string            `json:"title_zh"`
	TitleEN       string            `json:"title_en"`
	DescriptionZH string            `json:"description_zh"`
	DescriptionEN string            `json:"description_en"`
	Category      string            `json:"category"`
	Brand         string            `json:"brand"`
	Attributes    map[string]string `json:"attributes"`
	PriceCents    int64             `json:"price_cents"`
	Stock         int               `json:"stock"`
	Images        []string          `json:"images"`
	Tags          []string          `json:"tags"`
	Variants      []NewVariant      `json:"variants"`
}

// NewVariant is a variant in NewProduct.
type NewVariant struct {
	SKU        string            `json:"sku"`
	Attributes map[string]string `json:"attributes"`
	PriceCents int64             `json:"price_cents"`
	Stock      int               `json:"stock"`
}

func validSKU(field, sku string) (string, error) {
	sku = strings.TrimSpace(sku)
	if sku == "" || len(sku) > 64 || strings.ContainsAny(sku, " \t\r\n\x00/\\?#%") {
		return "", apperr.Invalid(field, "must be 1 to 64 characters without spaces, slashes, ?, # or %")
	}
	return sku, nil
}

// CreateProduct validates and inserts a product with its variants in one transaction.
func (s *Service) CreateProduct(ctx context.Context, q store.Querier, in NewProduct) (int64, error) {
	var err error
	if in.SKU, err = validSKU("sku", in.SKU); err != nil {
		return 0, err
	}
	if in.TitleZH, err = text("title_zh", in.TitleZH, 0, 200); err != nil {
		return 0, err
	}
	if in.TitleEN, err = text("title_en", in.TitleEN, 0, 200); err != nil {
		return 0, err
	}
	if in.TitleZH == "" && in.TitleEN == "" {
		return 0, apperr.Invalid("title_zh", "a product needs a title in Chinese or English")
	}
	if in.DescriptionZH, err = text("description_zh", in.DescriptionZH, 0, 20000); err != nil {
		return 0, err
	}
	if in.DescriptionEN, err = text("description_en", in.DescriptionEN, 0, 20000); err != nil {
		return 0, err
	}
	if in.Brand, err = text("brand", in.Brand, 0, 100); err != nil {
		return 0, err
	}
	if in.PriceCents < 0 || in.PriceCents > 1e12 {
		return 0, apperr.Invalid("price_cents", "must be between 0 and 1000000000000")
	}
	if in.Stock < 0 {
		return 0, apperr.Invalid("stock", "must not be negative")
	}
	for k, v := range in.Attributes {
		if _, err := text("attributes", k+v, 1, 1000); err != nil {
			return 0, err
		}
	}
	for _, t := range append(append([]string{}, in.Tags...), in.Images...) {
		if _, err := text("tags", t, 1, 500); err != nil {
			return 0, err
		}
	}
	var catID any
	if in.Category != "" {
		var id int64
		err := q.QueryRow(ctx, `SELECT id FROM categories WHERE slug = ?`, in.Category).Scan(&id)
		if store.IsNoRows(err) {
			return 0, apperr.Invalid("category", "unknown category slug")
		} else if err != nil {
			return 0, err
		}
		catID = id
	}
	if in.Attributes == nil {
		in.Attributes = map[string]string{}
	}
	now := s.Now()
	id, err := store.InsertID(ctx, q, `INSERT INTO products (sku, title_zh, title_en, description_zh, description_en, category_id, brand, attributes, price_cents, stock, images, tags, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.SKU, in.TitleZH, in.TitleEN, in.DescriptionZH, in.DescriptionEN, catID, in.Brand, toJSON(in.Attributes), in.PriceCents, in.Stock,
		toJSON(orEmpty(in.Images)), toJSON(orEmpty(in.Tags)), now, now)
	if store.IsUniqueViolation(err) {
		return 0, apperr.Conflict("sku_taken", "a product with this SKU already exists").Wrap(err)
	}
	if err != nil {
		return 0, err
	}
	for _, v := range in.Variants {
		if v.SKU, err = validSKU("variants.sku", v.SKU); err != nil {
			return 0, err
		}
		if v.PriceCents < 0 || v.Stock < 0 {
			return 0, apperr.Invalid("variants", "price_cents and stock must not be negative")
		}
		_, err = q.Exec(ctx, `INSERT INTO product_variants (product_id, sku, attributes, price_cents, stock) VALUES (?, ?, ?, ?, ?)`,
			id, v.SKU, toJSON(v.Attributes), v.PriceCents, v.Stock)
		if store.IsUniqueViolation(err) {
			return 0, apperr.Conflict("sku_taken", "variant SKU "+v.SKU+" already exists").Wrap(err)
		}
		if err != nil {
			return 0, err
		}
	}
	return id, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const productColumns = `p.id, p.sku, p.title_zh, p.title_en, p.description_zh, p.description_en, COALESCE(c.slug, ''), p.brand, p.attributes, p.price_cents, p.stock, p.images, p.tags, p.status, p.created_at, p.updated_at`

func scanProduct(row interface{ Scan(...any) error }) (*Product, error) {
	var p Product
	var attrs, images, tags string
	err := row.Scan(&p.ID, &p.SKU, &p.TitleZH, &p.TitleEN, &p.DescriptionZH, &p.DescriptionEN, &p.Category, &p.Brand, &attrs, &p.PriceCents, &p.Stock, &images, &tags, &p.Status, &p.CreatedAt, &p.UpdatedAt)
	p.Attributes = fromJSON[map[string]string](attrs)
	p.Images = orEmpty(fromJSON[[]string](images))
	p.Tags = orEmpty(fromJSON[[]string](tags))
	return &p, err
}

// ProductFilter narrows ListProducts.
type ProductFilter struct {
	Category string
	Brand    string
	Status   string
	Query    string // substring of the zh or en title, or the exact SKU
}

// ProductSorts maps API sort names to columns.
var ProductSorts = map[string]string{"id": "p.id", "price": "p.price_cents", "title": "p.title_zh", "created_at": "p.created_at", "stock": "p.stock"}

// ListProducts lists products (without variants).
func (s *Service) ListProducts(ctx context.Context, f ProductFilter, page store.Page) ([]*Product, error) {
	var w store.Where
	if f.Category != "" {
		w.Add("c.slug = ?", f.Category)
	}
	if f.Brand != "" {
		w.Add("p.brand = ?", f.Brand)
	}
	if f.Status != "" {
		w.Add("p.status = ?", f.Status)
	}
	if f.Query != "" {
		like := "%" + store.EscapeLike(strings.ToLower(f.Query)) + "%"
		w.Add(`(LOWER(p.title_zh) LIKE ? ESCAPE '\' OR LOWER(p.title_en) LIKE ? ESCAPE '\' OR p.sku = ?)`, like, like, f.Query)
	}
	rows, err := s.DB.Query(ctx, `SELECT `+productColumns+` FROM products p LEFT JOIN categories c ON c.id = p.category_id`+w.SQL()+page.SQL(), w.Args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// GetProduct loads a product with its variants.
func (s *Service) GetProduct(ctx context.Context, id int64) (*Product, error) {
	p, err := scanProduct(s.DB.QueryRow(ctx, `SELECT `+productColumns+` FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("product")
	}
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, sku, attributes, price_cents, stock FROM product_variants WHERE product_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v Variant
		var attrs string
		if err := rows.Scan(&v.ID, &v.SKU, &attrs, &v.PriceCents, &v.Stock); err != nil {
			return nil, err
		}
		v.Attributes = fromJSON[map[string]string](attrs)
		p.Variants = append(p.Variants, v)
	}
	return p, rows.Err()
}

// CatalogEntry is the slim view the NLU product matcher and recommenders load.
type CatalogEntry struct {
	ID      int64
	SKU     string
	TitleZH string
	TitleEN string
	Brand   string
}

// Catalog returns every active product's names, for entity matching.
func (s *Service) Catalog(ctx context.Context) ([]CatalogEntry, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, sku, title_zh, title_en, brand FROM products WHERE status = 'active' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CatalogEntry
	for rows.Next() {
		var e CatalogEntry
		if err := rows.Scan(&e.ID, &e.SKU, &e.TitleZH, &e.TitleEN, &e.Brand); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
