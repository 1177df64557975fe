CREATE TABLE `quiet_hours` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`start_hour` integer NOT NULL,
	`end_hour` integer NOT NULL
);
