package conversation

import (
	"context"
	"encoding/json"

	"kefu/internal/store"
)

// AttachmentHandler lets image and voice messages carry uploads (internal/media implements
// the storage; the app adds text extraction). The conversation service does not know how
// files are stored or read: it only asks, inside the message's transaction, whether the
// message may carry them.
type AttachmentHandler interface {
	// Attach checks that the uploads ids belong to the conversation, are of the message's
	// kind (image or voice) and are not carried by another message, ties them to the message
	// and returns the references the message stores. It runs in the message's transaction.
	Attach(ctx context.Context, tx *store.Tx, conversationID, messageID int64, contentType string, ids []int64) (json.RawMessage, error)
	// Posted is told about a committed message that carries attachments (never a duplicate).
	Posted(ctx context.Context, m *Message)
}

// mediaPlaceholder is the body of a photo or voice message sent without words, so lists,
// notifications and the bot see what it is.
func mediaPlaceholder(contentType string) string {
	if contentType == "voice" {
		return "[voice]"
	}
	return "[image]"
}
