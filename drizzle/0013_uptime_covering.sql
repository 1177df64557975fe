DROP INDEX `uptime_hours_start`;--> statement-breakpoint
CREATE INDEX `uptime_hours_epoch` ON `uptime_hours` (`hour_start`,`node_id`,`buckets`,`gpus`,`rented_gpus`);