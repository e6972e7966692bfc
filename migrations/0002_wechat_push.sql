CREATE TABLE `pushes` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`staff_id` text NOT NULL,
	`message_seq` integer NOT NULL,
	`template_id` text NOT NULL,
	`status` text NOT NULL,
	`errcode` integer,
	`summary` text NOT NULL,
	`page` text,
	`retry_of` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`clicked_at` integer
);
--> statement-breakpoint
CREATE INDEX `pushes_customer` ON `pushes` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `pushes_conversation` ON `pushes` (`conversation_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `pushes_retry` ON `pushes` (`retry_of`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`customer_id` text NOT NULL,
	`template_id` text NOT NULL,
	`credits` integer DEFAULT 0 NOT NULL,
	`last_result` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`customer_id`, `template_id`)
);
