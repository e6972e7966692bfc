CREATE TABLE `message_rollups` (
	`conversation_id` text NOT NULL,
	`hour` integer NOT NULL,
	`sender_type` text NOT NULL,
	`sender_id` text NOT NULL,
	`messages` integer NOT NULL,
	`turns` integer NOT NULL,
	`turn_ms` integer NOT NULL,
	`first_turns` integer NOT NULL,
	`first_ms` integer NOT NULL,
	PRIMARY KEY(`conversation_id`, `hour`, `sender_type`, `sender_id`)
);
--> statement-breakpoint
CREATE INDEX `message_rollups_hour` ON `message_rollups` (`hour`);