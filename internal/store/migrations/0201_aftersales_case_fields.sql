-- After-sales case fields the workflow needs beyond the core table: the tracking number of
-- goods going back out (exchange replacement, repaired item), how often a rejection was
-- appealed, and the customer's language for notifications.
ALTER TABLE aftersales_cases ADD COLUMN outbound_tracking_number TEXT NOT NULL DEFAULT '';
ALTER TABLE aftersales_cases ADD COLUMN appeals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE aftersales_cases ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh';
