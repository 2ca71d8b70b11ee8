-- Indexes for ticket routing and the ticket list at scale (issue #6 goals: list p95 ≤ 50 ms
-- over 1,000,000 tickets; creation from a handoff p99 ≤ 20 ms).
-- Routing reads each team's latest assigned ticket (round-robin cursor): newest first per team.
CREATE INDEX tickets_team_id ON tickets(team_id, id);
-- Routing counts every agent's open tickets: only the open statuses are read.
CREATE INDEX tickets_status_assignee ON tickets(status, assignee_id);
-- The list sorts by created_at, updated_at or a due date, usually filtered by status, team or
-- assignee: these let the database read one page in index order instead of sorting every match.
CREATE INDEX tickets_created ON tickets(created_at);
CREATE INDEX tickets_updated ON tickets(updated_at);
CREATE INDEX tickets_status_created ON tickets(status, created_at);
CREATE INDEX tickets_status_updated ON tickets(status, updated_at);
CREATE INDEX tickets_status_fr_due ON tickets(status, first_response_due_at);
CREATE INDEX tickets_assignee_created ON tickets(assignee_id, created_at);
CREATE INDEX tickets_team_created ON tickets(team_id, created_at);
-- Queues show open tickets, a few percent of a shop's history: partial indexes keep those
-- lookups proportional to the open work, not to every ticket ever written.
CREATE INDEX tickets_open_team ON tickets(team_id, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_assignee ON tickets(assignee_id, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_priority ON tickets(priority, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_category ON tickets(category, id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open ON tickets(id) WHERE status IN ('new', 'open', 'pending', 'on_hold');
-- A team's tickets of one priority, across its history (e.g. every urgent ticket of a team).
CREATE INDEX tickets_team_priority ON tickets(team_id, priority, created_at);
-- "Due soonest first" over the open queues (unassigned, SLA at risk).
CREATE INDEX tickets_open_fr_due ON tickets(first_response_due_at) WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_open_res_due ON tickets(resolution_due_at) WHERE status IN ('new', 'open', 'pending', 'on_hold');
