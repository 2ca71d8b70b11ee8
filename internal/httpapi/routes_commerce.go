package httpapi

import (
	"net/http"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/commerce"
	"kefu/internal/store"
)

func init() { routeGroups = append(routeGroups, (*Server).commerceRoutes) }

func (s *Server) commerceRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/categories", Perm: auth.PermProductsRead, Handler: s.listCategories, Tag: "catalogue", Summary: "List product categories", Response: listResponse[commerce.Category]{}},
		{Method: "GET", Path: "/api/v1/products", Perm: auth.PermProductsRead, Handler: s.listProducts, Tag: "catalogue", Summary: "List products",
			Query: append(pageParams("id, price, title, created_at, stock"), Param{Name: "category", Type: "string", Description: "category slug"},
				Param{Name: "brand", Type: "string"}, Param{Name: "status", Type: "string", Enum: []string{"active", "inactive"}},
				Param{Name: "q", Type: "string", Description: "text in the zh/en title, or an exact SKU"}),
			Response: listResponse[commerce.Product]{}},
		{Method: "GET", Path: "/api/v1/products/{id}", Perm: auth.PermProductsRead, Handler: s.getProduct, Tag: "catalogue", Summary: "Get a product with its variants", Response: commerce.Product{}},
		{Method: "POST", Path: "/api/v1/products", Perm: auth.PermProductsWrite, Handler: s.createProduct, Tag: "catalogue", Summary: "Create a product (shop sync)", Body: commerce.NewProduct{}, Response: commerce.Product{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/orders", Perm: auth.PermOrdersRead, Handler: s.listOrders, Tag: "orders", Summary: "List orders",
			Query: append(pageParams("id, placed_at, total, updated_at"), Param{Name: "customer_id", Type: "integer"},
				Param{Name: "status", Type: "string", Enum: commerce.OrderStatuses}, Param{Name: "number", Type: "string"},
				Param{Name: "placed_from", Type: "string", Description: "RFC 3339 time, inclusive"}, Param{Name: "placed_to", Type: "string", Description: "RFC 3339 time, exclusive"}),
			Response: listResponse[commerce.Order]{}},
		{Method: "GET", Path: "/api/v1/orders/{id}", Perm: auth.PermOrdersRead, Handler: s.getOrder, Tag: "orders", Summary: "Get an order with items, shipments and logistics events", Response: commerce.Order{}},
		{Method: "POST", Path: "/api/v1/orders", Perm: auth.PermOrdersWrite, Handler: s.createOrder, Tag: "orders", Summary: "Create an order (shop sync)", Body: commerce.NewOrder{}, Response: commerce.Order{}, Status: http.StatusCreated},
	}
}

func pageParams(sorts string) []Param {
	return []Param{
		{Name: "limit", Type: "integer", Description: "1 to 200, default 50"},
		{Name: "offset", Type: "integer", Description: "rows to skip"},
		{Name: "sort", Type: "string", Description: "one of " + sorts + "; prefix - for descending"},
	}
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request) error {
	cats, err := s.Services.Commerce.ListCategories(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResponse[commerce.Category]{Items: cats, Limit: len(cats)})
	return nil
}

func (s *Server) listProducts(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, commerce.ProductSorts, "id")
	if err != nil {
		return err
	}
	var f commerce.ProductFilter
	if f.Category, err = queryText(r, "category", 64); err != nil {
		return err
	}
	if f.Brand, err = queryText(r, "brand", 100); err != nil {
		return err
	}
	if f.Status, err = queryEnum(r, "status", "active", "inactive"); err != nil {
		return err
	}
	if f.Query, err = queryText(r, "q", 200); err != nil {
		return err
	}
	items, err := s.Services.Commerce.ListProducts(r.Context(), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(items, page))
	return nil
}

func (s *Server) getProduct(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Services.Commerce.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) createProduct(w http.ResponseWriter, r *http.Request) error {
	var in commerce.NewProduct
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	var id int64
	err := s.DB.Tx(r.Context(), func(tx *store.Tx) error {
		var err error
		id, err = s.Services.Commerce.CreateProduct(r.Context(), tx, in)
		return err
	})
	if err != nil {
		return err
	}
	p, err := s.Services.Commerce.GetProduct(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func queryTime(r *http.Request, name string) (*time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, apperr.Invalid(name, "must be an RFC 3339 time such as 2026-11-01T00:00:00+08:00")
	}
	return &t, nil
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, commerce.OrderSorts, "-placed_at")
	if err != nil {
		return err
	}
	var f commerce.OrderFilter
	if f.CustomerID, err = queryID(r, "customer_id"); err != nil {
		return err
	}
	if f.Status, err = queryEnum(r, "status", commerce.OrderStatuses...); err != nil {
		return err
	}
	if f.Number, err = queryText(r, "number", 40); err != nil {
		return err
	}
	if f.From, err = queryTime(r, "placed_from"); err != nil {
		return err
	}
	if f.To, err = queryTime(r, "placed_to"); err != nil {
		return err
	}
	items, err := s.Services.Commerce.ListOrders(r.Context(), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(items, page))
	return nil
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	o, err := s.Services.Commerce.GetOrder(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) error {
	var in commerce.NewOrder
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	var id int64
	err := s.DB.Tx(r.Context(), func(tx *store.Tx) error {
		var err error
		id, err = s.Services.Commerce.CreateOrder(r.Context(), tx, in)
		return err
	})
	if err != nil {
		return err
	}
	o, err := s.Services.Commerce.GetOrder(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}
