ALTER TABLE `conversations` ADD `awaiting_reply` integer DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE `conversations` SET `awaiting_reply` = 1 WHERE EXISTS (
	SELECT 1 FROM `messages` m WHERE m.`conversation_id` = `conversations`.`id` AND m.`sender_type` = 'customer'
	AND m.`seq` > coalesce((SELECT max(s.`seq`) FROM `messages` s WHERE s.`conversation_id` = `conversations`.`id` AND s.`sender_type` = 'staff'), 0)
);
