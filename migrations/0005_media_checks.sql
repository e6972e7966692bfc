CREATE TABLE `media_checks` (
	`trace_id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`seq` integer NOT NULL,
	`media_key` text NOT NULL,
	`suggest` text,
	`label` integer,
	`created_at` integer NOT NULL,
	`checked_at` integer
);
--> statement-breakpoint
CREATE INDEX `media_checks_media` ON `media_checks` (`media_key`);--> statement-breakpoint
CREATE INDEX `media_checks_conversation` ON `media_checks` (`conversation_id`);