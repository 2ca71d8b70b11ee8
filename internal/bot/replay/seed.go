package replay

import (
	"context"
	"time"

	"kefu/internal/app"
	"kefu/internal/commerce"
	"kefu/internal/demo/content"
	"kefu/internal/kb"
	"kefu/internal/store"
)

// SeedShop gives a dialogue database the demo shop's categories (so after-sales category rules
// apply to fixture items) and its published knowledge base (so policy questions have answers).
func SeedShop(ctx context.Context, a *app.App) error {
	err := a.DB.Tx(ctx, func(tx *store.Tx) error {
		// Answers render {shop.name}; give the demo shop its name.
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('shop.name', ?, ?)`, "kefu", time.Now()); err != nil {
			return err
		}
		for _, c := range content.Categories() {
			if _, err := a.Commerce.UpsertCategory(ctx, tx, commerce.Category{Slug: c.Slug, NameZH: c.NameZH, NameEN: c.NameEN, NoReasonReturn: c.NoReasonReturn}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, art := range content.Articles() {
		_, err := a.Server.Services.KB.Create(ctx, kb.Input{TranslationKey: art.TranslationKey, Lang: art.Lang, Title: art.Title,
			Questions: art.Questions, Answer: art.Answer, Category: art.Category, Tags: art.Tags, Status: "published"}, 0)
		if err != nil {
			return err
		}
	}
	return nil
}
