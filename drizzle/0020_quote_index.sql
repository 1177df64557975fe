DROP INDEX `node_gpus_search`;--> statement-breakpoint
CREATE INDEX `node_gpus_quote` ON `node_gpus` (`online`,`model`,`price_sort`,"reliability" desc,`node_id`,`total`,`allocated`,`region`);