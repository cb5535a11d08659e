-- How often each organisation reviews its assets (issue 7): a reviewed asset's next review
-- falls this many months after the last, and "reviewed within its period" counts from it.
ALTER TABLE organisations ADD COLUMN asset_review_months BIGINT NOT NULL DEFAULT 12
    CHECK (asset_review_months BETWEEN 1 AND 60);
