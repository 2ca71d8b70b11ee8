-- Tickets and after-sales (range 0200-0299, owned by internal/ticket and internal/aftersales).
-- Policies (SLA targets, priority rules, after-sales policy, default business hours) live in the
-- core `settings` table as validated JSON under the keys ticket.* and aftersales.*.

-- The SLA clocks of a ticket: first response and resolution, each with its pauses (while the
-- ticket is pending on the customer), as sla.Targets JSON. tickets.first_response_due_at and
-- tickets.resolution_due_at are derived from these and kept in step for queries and jobs.
CREATE TABLE ticket_sla (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    clocks TEXT NOT NULL,
    first_response_warn_at {{TS}},
    resolution_warn_at {{TS}},
    first_response_state TEXT NOT NULL DEFAULT 'running',
    resolution_state TEXT NOT NULL DEFAULT 'running',
    updated_at {{TS}} NOT NULL
);
CREATE INDEX ticket_sla_fr_warn ON ticket_sla(first_response_warn_at);
CREATE INDEX ticket_sla_res_warn ON ticket_sla(resolution_warn_at);

-- Macros: canned replies with {variables} plus actions (set status, priority, tags, assignment).
CREATE TABLE macros (
    id {{ID}},
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL DEFAULT '',
    actions TEXT NOT NULL DEFAULT '[]',
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at {{TS}} NOT NULL,
    updated_at {{TS}} NOT NULL
);
