-- Photos a customer sent as chat image messages count as evidence too (not every image
-- message has an attachments row, e.g. ones relayed from other channels).
ALTER TABLE aftersales_cases ADD COLUMN evidence_messages TEXT NOT NULL DEFAULT '[]';
