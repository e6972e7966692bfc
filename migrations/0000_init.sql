CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`staff_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`end_reason` text,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`last_message_at` integer,
	`last_message_preview` text,
	`unread_staff` integer DEFAULT 0 NOT NULL,
	`unread_customer` integer DEFAULT 0 NOT NULL,
	`staff_read_seq` integer DEFAULT 0 NOT NULL,
	`customer_read_seq` integer DEFAULT 0 NOT NULL,
	`rating` integer,
	`rating_comment` text,
	`resolved` integer DEFAULT false NOT NULL,
	`converted` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `conversations_inbox` ON `conversations` (`staff_id`,`status`,`last_message_at`);--> statement-breakpoint
CREATE INDEX `conversations_customer` ON `conversations` (`customer_id`,`status`);--> statement-breakpoint
CREATE INDEX `conversations_last` ON `conversations` (`last_message_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`conversation_id` text NOT NULL,
	`seq` integer NOT NULL,
	`client_id` text NOT NULL,
	`sender_type` text NOT NULL,
	`sender_id` text NOT NULL,
	`kind` text NOT NULL,
	`text` text,
	`media_key` text,
	`duration_ms` integer,
	`flagged` integer DEFAULT false NOT NULL,
	`sent_at` integer NOT NULL,
	`read_at` integer,
	PRIMARY KEY(`conversation_id`, `seq`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_client` ON `messages` (`conversation_id`,`client_id`);--> statement-breakpoint
CREATE INDEX `messages_sent` ON `messages` (`sent_at`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `staff` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`avatar` text,
	`department` text,
	`specialty` text,
	`role` text DEFAULT 'staff' NOT NULL,
	`is_default` integer DEFAULT false NOT NULL,
	`is_on_duty` integer DEFAULT false NOT NULL,
	`status` text DEFAULT 'online' NOT NULL,
	`presence` text DEFAULT 'offline' NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`password_hash` text NOT NULL,
	`totp_secret` text,
	`totp_enabled` integer DEFAULT false NOT NULL,
	`wechat_openid` text,
	`group_id` text,
	`qrcode_key` text,
	`last_assigned_at` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `staff_code` ON `staff` (`code`);--> statement-breakpoint
CREATE INDEX `staff_assign` ON `staff` (`is_default`,`disabled`);--> statement-breakpoint
CREATE TABLE `staff_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `transfers` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`from_staff_id` text NOT NULL,
	`to_staff_id` text NOT NULL,
	`by_staff_id` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `transfers_conversation` ON `transfers` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`openid` text NOT NULL,
	`unionid` text,
	`nickname` text,
	`avatar` text,
	`phone` text,
	`exclusive_staff_id` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`note` text,
	`created_at` integer NOT NULL,
	`last_active_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_openid` ON `users` (`openid`);