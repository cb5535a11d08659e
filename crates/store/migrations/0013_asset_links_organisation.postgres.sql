-- A link's organisation is its assets' organisation: both ends reference assets, which
-- reference their organisation, and every statement writes a link with the organisation of
-- the assets it joins. Checking the organisation again cost a lookup per link: 150,000 of
-- them in an import of 100,000 assets (issue 7's benchmark), a twentieth of its time.
ALTER TABLE asset_links DROP CONSTRAINT asset_links_org_id_fkey;
