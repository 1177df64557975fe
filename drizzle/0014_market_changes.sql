-- Which nodes' searchable capacity changed, in order, so /gpus keeps an
-- in-memory copy of the listed capacity current by re-reading only those
-- nodes (searchAvailability.ts prunes old entries).
CREATE TABLE `market_changes` (`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL, `node_id` text NOT NULL);
--> statement-breakpoint
CREATE TRIGGER `node_gpus_changes_insert` AFTER INSERT ON `node_gpus` BEGIN INSERT INTO `market_changes` (`node_id`) VALUES (new.`node_id`); END;
--> statement-breakpoint
CREATE TRIGGER `node_gpus_changes_delete` AFTER DELETE ON `node_gpus` BEGIN INSERT INTO `market_changes` (`node_id`) VALUES (old.`node_id`); END;
--> statement-breakpoint
CREATE TRIGGER `node_gpus_changes_update` AFTER UPDATE OF `allocated`, `total`, `online`, `price_sort`, `region`, `memory_mb`, `reliability`, `model` ON `node_gpus` BEGIN INSERT INTO `market_changes` (`node_id`) VALUES (new.`node_id`); END;
