CREATE TABLE `used_entry_links` (
	`jti` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`staff_id` text NOT NULL,
	`used_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `used_entry_links_expires` ON `used_entry_links` (`expires_at`);--> statement-breakpoint
CREATE INDEX `users_unionid` ON `users` (`unionid`);