-- An agent's whole history (every status) sorted by a due date: without these the database read
-- every ticket the agent ever had and sorted them (0.4–1.1 s for an agent with 170k tickets of
-- 1,000,000). Tickets are written far less often than they are listed, so two more indexes on
-- each ticket write are the cheaper side. The open-ticket queues have their own (0510).
CREATE INDEX tickets_assignee_res_due ON tickets(assignee_id, resolution_due_at, id);
CREATE INDEX tickets_assignee_fr_due ON tickets(assignee_id, first_response_due_at, id);
