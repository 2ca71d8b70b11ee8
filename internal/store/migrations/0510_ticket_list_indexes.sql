-- Ticket queues at scale (issue #6: the list with filters and sort, p95 ≤ 50 ms over 1,000,000
-- tickets on PostgreSQL). Owned by internal/ticket.

-- When a ticket becomes "at risk": the earliest warning instant among its running SLA clocks
-- (running, warning or breached; not paused or stopped), NULL when no clock runs. The ticket
-- service keeps it in step with ticket_sla (SLAState.riskAt), so the "SLA at risk" queue is a
-- range on one column of tickets (sla_risk_at <= now) rather than a join with ticket_sla
-- evaluated for every open ticket.
ALTER TABLE tickets ADD COLUMN sla_risk_at {{TS}};
UPDATE tickets SET sla_risk_at = (
    SELECT CASE
        WHEN s.first_response_state IN ('running', 'warning', 'breached') AND s.first_response_warn_at IS NOT NULL
            AND (s.resolution_state NOT IN ('running', 'warning', 'breached') OR s.resolution_warn_at IS NULL
                OR s.first_response_warn_at < s.resolution_warn_at) THEN s.first_response_warn_at
        WHEN s.resolution_state IN ('running', 'warning', 'breached') THEN s.resolution_warn_at
    END
    FROM ticket_sla s WHERE s.ticket_id = tickets.id)
WHERE status IN ('new', 'open', 'pending', 'on_hold');

-- The workspace's queues are open tickets (new, open, pending, on hold) of one agent, one team
-- or one priority, unassigned, or at risk, shown 50 at a time newest first, last updated first
-- or due soonest first. Each index below lets the database walk one queue in one of those orders
-- and stop after the page, however many tickets the queue or the table holds (id, the
-- tie-breaker of every sort, is part of the key: thousands of tickets can share one instant,
-- e.g. after a bulk change, and would otherwise all be read and sorted); the id order of
-- each queue is 0203's tickets_open_assignee/_team/_priority. An agent's queue index also serves
-- the unassigned queue (assignee_id IS NULL).
CREATE INDEX tickets_open_assignee_updated ON tickets(assignee_id, updated_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_assignee_res_due ON tickets(assignee_id, resolution_due_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_assignee_fr_due ON tickets(assignee_id, first_response_due_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
-- The two "last updated" ones carry the at-risk columns too: recently updated tickets are
-- rarely at risk yet, so the at-risk queue in that order is checked in the index alone.
CREATE INDEX tickets_open_team_updated ON tickets(team_id, updated_at, id, sla_risk_at, sla_breached) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_team_res_due ON tickets(team_id, resolution_due_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_team_fr_due ON tickets(team_id, first_response_due_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_priority_updated ON tickets(priority, updated_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_priority_res_due ON tickets(priority, resolution_due_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_priority_fr_due ON tickets(priority, first_response_due_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_updated ON tickets(updated_at, id, sla_risk_at, sla_breached) WHERE status IN ('new', 'open', 'pending', 'on_hold');
-- The unassigned queue. "assignee_id IS NULL" is not an equality, so the database cannot use the
-- agent indexes above for its order; and unassigned tickets are the newest, so walking all open
-- tickets due soonest first would pass every assigned one before the first unassigned. These
-- hold only unassigned open tickets: few, and cheap to keep.
CREATE INDEX tickets_unassigned_team ON tickets(team_id, id) WHERE status IN ('new', 'open', 'pending', 'on_hold') AND assignee_id IS NULL;
CREATE INDEX tickets_unassigned_updated ON tickets(updated_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold') AND assignee_id IS NULL;
CREATE INDEX tickets_unassigned_res_due ON tickets(resolution_due_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold') AND assignee_id IS NULL;
CREATE INDEX tickets_unassigned_fr_due ON tickets(first_response_due_at, id) WHERE status IN ('new', 'open', 'pending', 'on_hold') AND assignee_id IS NULL;
-- An agent's whole history, last updated first (0203 has it newest first).
CREATE INDEX tickets_assignee_updated ON tickets(assignee_id, updated_at, id);
-- SLA at risk when few open tickets are: a range on the at-risk instant.
CREATE INDEX tickets_open_sla_risk ON tickets(sla_risk_at) WHERE status IN ('new', 'open', 'pending', 'on_hold');
-- Routing's round-robin cursor (each team's latest assigned ticket) skips unassigned tickets
-- in the index instead of reading them.
CREATE INDEX tickets_team_assigned ON tickets(team_id, id) WHERE assignee_id IS NOT NULL;
