package ticket

import (
	"context"

	"kefu/internal/sla"
)

// TeamHours returns the business hours that apply to a team: its own schedule, or the shop's
// default. The bot uses it to tell customers when someone will answer.
func (s *Service) TeamHours(ctx context.Context, teamID int64) (sla.BusinessHours, error) {
	return s.teamHours(ctx, s.DB, teamID)
}
