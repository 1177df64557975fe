-- A counter bumped by every change to searchable capacity, so /gpus can
-- answer from a cache until the market actually changes (across processes).
CREATE TABLE `market_version` (`id` integer PRIMARY KEY NOT NULL, `version` integer NOT NULL);
--> statement-breakpoint
INSERT INTO `market_version` (`id`, `version`) VALUES (1, 0);
--> statement-breakpoint
CREATE TRIGGER `node_gpus_version_insert` AFTER INSERT ON `node_gpus` BEGIN UPDATE `market_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `node_gpus_version_delete` AFTER DELETE ON `node_gpus` BEGIN UPDATE `market_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
--> statement-breakpoint
CREATE TRIGGER `node_gpus_version_update` AFTER UPDATE OF `allocated`, `total`, `online`, `price_sort`, `region`, `memory_mb` ON `node_gpus` BEGIN UPDATE `market_version` SET `version` = `version` + 1 WHERE `id` = 1; END;
