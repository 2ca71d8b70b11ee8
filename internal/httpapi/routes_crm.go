package httpapi

import (
	"net/http"

	"kefu/internal/auth"
	"kefu/internal/crm"
	"kefu/internal/store"
)

func init() { routeGroups = append(routeGroups, (*Server).crmRoutes) }

func (s *Server) crmRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/customers", Perm: auth.PermCustomersRead, Handler: s.listCustomers, Tag: "customers", Summary: "List customers (contact details masked)",
			Query: append(pageParams("id, created_at, last_seen_at, name"), Param{Name: "tier", Type: "string", Enum: crm.Tiers}, Param{Name: "tag", Type: "string"},
				Param{Name: "name", Type: "string", Description: "name prefix"}, Param{Name: "phone", Type: "string", Description: "exact phone number"},
				Param{Name: "email", Type: "string", Description: "exact email"}),
			Response: listResponse[crm.Customer]{}},
		{Method: "GET", Path: "/api/v1/customers/{id}", Perm: auth.PermCustomersRead, Handler: s.getCustomer, Tag: "customers", Summary: "Get a customer with addresses", Response: crm.Customer{}},
		{Method: "GET", Path: "/api/v1/customers/{id}/360", Perm: auth.PermCustomersRead, Handler: s.customer360, Tag: "customers", Summary: "Customer 360: profile, orders with logistics, conversations, tickets, after-sales cases, CSAT, sentiment trend, recent behaviour", Response: crm.View360{}},
		{Method: "POST", Path: "/api/v1/customers", Perm: auth.PermCustomersWrite, Handler: s.createCustomer, Tag: "customers", Summary: "Create a customer (shop sync)", Body: crm.NewCustomer{}, Response: crm.Customer{}, Status: http.StatusCreated},
		{Method: "PATCH", Path: "/api/v1/customers/{id}", Perm: auth.PermCustomersWrite, Handler: s.updateCustomer, Tag: "customers", Summary: "Change tier, tags, language or consent", Body: crm.Update{}, Response: crm.Customer{}},
		{Method: "POST", Path: "/api/v1/customers/{id}/reveal", Perm: auth.PermCustomersWrite, Handler: s.revealCustomer, Tag: "customers", Summary: "Show unmasked contact details (audited)", Response: crm.Contact{}},
		{Method: "DELETE", Path: "/api/v1/customers/{id}", Perm: auth.PermCustomersErase, Handler: s.eraseCustomer, Tag: "customers", Summary: "Erase a customer's personal data on request (audited)", Status: http.StatusNoContent},
	}
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, crm.Sorts, "id")
	if err != nil {
		return err
	}
	var f crm.Filter
	if f.Tier, err = queryEnum(r, "tier", crm.Tiers...); err != nil {
		return err
	}
	for name, dst := range map[string]*string{"tag": &f.Tag, "name": &f.Name, "phone": &f.Phone, "email": &f.Email} {
		if *dst, err = queryText(r, name, 254); err != nil {
			return err
		}
	}
	items, err := s.Services.CRM.List(r.Context(), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(items, page))
	return nil
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Services.CRM.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) customer360(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.Services.CRM.View(r.Context(), id, s.Services.Commerce)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) error {
	var in crm.NewCustomer
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	var id int64
	err := s.DB.Tx(r.Context(), func(tx *store.Tx) error {
		var err error
		id, err = s.Services.CRM.CreateCustomer(r.Context(), tx, in)
		return err
	})
	if err != nil {
		return err
	}
	c, err := s.Services.CRM.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in crm.Update
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Services.CRM.UpdateCustomer(r.Context(), s.DB, id, in); err != nil {
		return err
	}
	s.audit(r, "customer.update", "customer", id, nil)
	c, err := s.Services.CRM.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) revealCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Services.CRM.Reveal(r.Context(), id)
	if err != nil {
		return err
	}
	s.audit(r, "customer.reveal", "customer", id, nil)
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) eraseCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := principal(r)
	err = s.DB.Tx(r.Context(), func(tx *store.Tx) error {
		if err := s.Services.CRM.Erase(r.Context(), tx, id); err != nil {
			return err
		}
		return s.Auth.Audit(r.Context(), tx, auth.Entry{ActorKind: "user", ActorID: p.User.ID, Action: "customer.erase", Entity: "customer", EntityID: id, IP: clientIP(r)})
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
