-- The team queue ("my teams") and its tab count filter conversations by team and status; without
-- an index they read every open conversation to find one small team's (21 ms on SQLite at
-- 50,000 open conversations for a 10-conversation team).
CREATE INDEX conversations_team_status ON conversations(team_id, status);
