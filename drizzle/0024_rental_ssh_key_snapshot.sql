ALTER TABLE `rentals` ADD `ssh_key_fingerprints` text;--> statement-breakpoint
-- Rentals active at upgrade keep the keys their account has now, as they would have had them before.
UPDATE `rentals` SET `ssh_key_fingerprints` = (SELECT json_group_array(`fingerprint`) FROM `ssh_keys` WHERE `ssh_keys`.`account_id` = `rentals`.`account_id`) WHERE `status` IN ('pending', 'provisioning', 'running');
