package replay

import (
	"context"

	"kefu/internal/app"
	"kefu/internal/store"
)

// seedKnowledge loads the demo knowledge base once the knowledge-base service is wired.
func seedKnowledge(ctx context.Context, a *app.App, tx *store.Tx) error { return nil }
