package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/media/mediatest"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// TestEraseRemovesPhotos: erasing a customer removes their photos too — the signed link stops
// working at once (with the words read from it) and the stored file goes with the media sweep,
// while a file another attachment still uses stays.
func TestEraseRemovesPhotos(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		env.App.Media.Dir = t.TempDir()
		ctx := context.Background()
		photo := mediatest.TextPNG(t, "Order No. KF20261101001")
		v := newIdentifiedVisitor(t, env, "erase-me", "en")
		up := v.mustUpload("p.png", photo)
		v.call("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv), map[string]any{"content_type": "image", "attachment_ids": []int64{up.ID}}, 201, nil)
		other := newVisitor(t, env, "en") // someone else sent the very same picture
		kept := other.mustUpload("same.png", photo)
		unique := v.mustUpload("q.png", mediatest.TextPNG(t, "only mine"))

		get := func(url string) int {
			res, err := http.Get(env.Server.URL + url)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		if s := get(up.URL); s != 200 {
			t.Fatalf("photo link before erasure: %d", s)
		}
		var customerID int64
		if err := db.QueryRow(ctx, `SELECT customer_id FROM conversations WHERE id = ?`, v.conv).Scan(&customerID); err != nil {
			t.Fatal(err)
		}
		env.JSON(t, auth.RoleAdmin, "DELETE", fmt.Sprintf("/api/v1/customers/%d", customerID), nil, 204, nil)

		if s := get(up.URL); s != 404 {
			t.Errorf("photo link after erasure: %d, want 404", s)
		}
		if s := get(unique.URL); s != 404 {
			t.Errorf("unsent upload's link after erasure: %d, want 404", s)
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE conversation_id = ?`, v.conv).Scan(&n)
		if n != 0 {
			t.Errorf("%d attachment rows left", n)
		}
		files := func() int {
			m, _ := filepath.Glob(filepath.Join(env.App.Media.Dir, "*", "*"))
			return len(m)
		}
		if files() != 2 {
			t.Fatalf("%d files stored, want 2", files())
		}
		if removed, err := env.App.Media.RemoveUnreferenced(ctx, -1); err != nil || removed != 1 {
			t.Fatalf("sweep removed %d (%v), want 1: the erased customer's own photo", removed, err)
		}
		if files() != 1 || get(kept.URL) != 200 {
			t.Errorf("the other customer's copy must stay: %d files, link %d", files(), get(kept.URL))
		}
		if _, err := os.Stat(env.App.Media.Dir); err != nil {
			t.Fatal(err)
		}
	})
}
