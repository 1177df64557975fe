CREATE INDEX `nodes_listed_verified` ON `nodes` (`listed`,`verified_at`);--> statement-breakpoint
CREATE INDEX `nodes_provider_registered` ON `nodes` (`provider_id`,`registered_at`);--> statement-breakpoint
CREATE INDEX `providers_unlisted_until` ON `providers` (`unlisted_until`);