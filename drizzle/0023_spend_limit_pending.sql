ALTER TABLE `spend_limits` ADD `pending_cap` text;--> statement-breakpoint
ALTER TABLE `spend_limits` ADD `pending_from` integer;