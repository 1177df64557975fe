CREATE TABLE `market_history` (
	`hour` integer NOT NULL,
	`model` text NOT NULL,
	`region` text NOT NULL,
	`free_gpus` integer NOT NULL,
	`rented_gpus` integer NOT NULL,
	`listed_nodes` integer NOT NULL,
	`min_price` text NOT NULL,
	`median_price` text NOT NULL,
	`max_price` text NOT NULL,
	`taken_at` integer NOT NULL,
	PRIMARY KEY(`hour`, `model`, `region`)
);
