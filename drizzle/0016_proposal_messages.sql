CREATE TABLE `proposal_messages` (
	`platform` text NOT NULL,
	`chat_id` text NOT NULL,
	`message_id` text NOT NULL,
	`proposal_id` text NOT NULL,
	`buttons` text NOT NULL,
	`posted_at` integer NOT NULL,
	`shown_hash` text,
	`last_edit_at` integer,
	`closed_at` integer,
	PRIMARY KEY(`platform`, `chat_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `proposal_messages_open` ON `proposal_messages` (`closed_at`,`proposal_id`);