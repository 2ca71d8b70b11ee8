-- Issue #6 follow-ups: notifications that are cards (the CSAT request the widget answers) and
-- e-mail copies of customer updates; the return-shipment deadline of after-sales cases.

-- A notification may be a card (content_type 'card' with its JSON payload) rather than text.
ALTER TABLE notifications ADD COLUMN content_type TEXT NOT NULL DEFAULT 'text';
ALTER TABLE notifications ADD COLUMN payload TEXT NOT NULL DEFAULT '{}';
-- The customer is asked to rate a ticket once, whatever happens to it afterwards (reopened and
-- resolved again, resolved twice by racing agents): the database refuses a second request.
CREATE UNIQUE INDEX notifications_csat_once ON notifications(ticket_id) WHERE kind = 'ticket.csat';
-- The e-mail job reads pending and queued e-mails by channel and status.
CREATE INDEX notifications_channel_status ON notifications(channel, status, id);

-- When a return in awaiting_return_shipment expires (a durable job fires at it), and how often
-- the customer reopened an expired return (the published policy allows it once).
ALTER TABLE aftersales_cases ADD COLUMN return_due_at {{TS}};
ALTER TABLE aftersales_cases ADD COLUMN return_reopens INTEGER NOT NULL DEFAULT 0;
