--
-- PostgreSQL database dump
--

\restrict dzyRogMhV1NKwGWOx6k6w8tKsp1aK0WLpOXjKCmLLaXDoSascumXI48XqE4UkaZ

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: amcheck; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS amcheck WITH SCHEMA public;


--
-- Name: EXTENSION amcheck; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION amcheck IS 'functions for verifying relation integrity';


--
-- Name: postgis; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public;


--
-- Name: EXTENSION postgis; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION postgis IS 'PostGIS geometry and geography spatial types and functions';


--
-- Name: audit_append_only(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;


--
-- Name: omg_claim(boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.omg_claim(want_seq boolean, OUT changed bigint, OUT seq bigint) RETURNS record
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_advisory_lock(7104201002);
    BEGIN
        PERFORM pg_current_xact_id();
        changed := nextval('change_counter');
        IF want_seq THEN
            seq := nextval('reaction_seq');
        END IF;
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pg_advisory_unlock(7104201002);
        RAISE;
    END;
    PERFORM pg_advisory_unlock(7104201002);
END $$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: agreements; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agreements (
    reaction_id text NOT NULL,
    participant text NOT NULL,
    created text NOT NULL
);


--
-- Name: audit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit (
    seq bigint NOT NULL,
    at text NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    reaction_id text,
    reason text NOT NULL
);


--
-- Name: audit_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: change_counter; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.change_counter
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: meta; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.meta (
    key text NOT NULL,
    value text NOT NULL
);


--
-- Name: reaction_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.reaction_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: reactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reactions (
    seq bigint NOT NULL,
    id text NOT NULL,
    geom public.geometry(Geometry,4326) NOT NULL,
    geojson text NOT NULL,
    theme text NOT NULL,
    text text NOT NULL,
    sentiment smallint,
    scenario text,
    channel text NOT NULL,
    participant text NOT NULL,
    buurt text,
    created text NOT NULL,
    status text NOT NULL,
    agrees integer DEFAULT 0 NOT NULL,
    reports integer DEFAULT 0 NOT NULL,
    changed bigint NOT NULL,
    reason text,
    added_xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    changed_xid xid8 DEFAULT pg_current_xact_id() NOT NULL,
    CONSTRAINT reactions_sentiment_check CHECK (((sentiment >= '-2'::integer) AND (sentiment <= 2))),
    CONSTRAINT reactions_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'visible'::text, 'hidden'::text, 'withdrawn'::text])))
);


--
-- Name: reports; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reports (
    n bigint NOT NULL,
    reaction_id text NOT NULL,
    participant text NOT NULL,
    reason text NOT NULL,
    created text NOT NULL
);


--
-- Name: reports_n_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.reports ALTER COLUMN n ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.reports_n_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Data for Name: agreements; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.agreements (reaction_id, participant, created) FROM stdin;
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa	11111111111111111111111111111111	2026-11-28T18:52:39+00:00
aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa	22222222222222222222222222222222	2026-11-28T18:52:39+00:00
\.


--
-- Data for Name: audit; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.audit (seq, at, actor, action, reaction_id, reason) FROM stdin;
1	2026-11-28T18:52:39+00:00	moderator	restore	dddddddddddddddddddddddddddddddd	toch niet kwetsend
2	2026-11-28T18:52:39+00:00	moderator	hide	dddddddddddddddddddddddddddddddd	kwetsend
\.


--
-- Data for Name: meta; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.meta (key, value) FROM stdin;
schema_version	2
\.


--
-- Data for Name: reactions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.reactions (seq, id, geom, geojson, theme, text, sentiment, scenario, channel, participant, buurt, created, status, agrees, reports, changed, reason, added_xid, changed_xid) FROM stdin;
2	bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb	0102000020E61000000200000066666666666618406666666666264A40713D0AD7A370184048E17A14AE274A40	{"type": "LineString", "coordinates": [[6.1, 52.3], [6.11, 52.31]]}	mobiliteit	Fietspad langs de beek, graag verlicht	1	compact-bouwen	online	00000000000000000000000000000001	BU99990001	2026-03-02T19:30:00+00:00	visible	0	0	2	\N	731	731
5	eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee	0101000020E610000066666666666618406666666666264A40	{"type": "Point", "coordinates": [6.1, 52.3]}	water & klimaat	Hier staat het water elke winter	-1	\N	tafel	00000000000000000000000000000001	BU99990001	2026-03-05T19:30:00+00:00	pending	0	0	5	\N	734	734
1	aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa	0101000020E610000066666666666618406666666666264A40	{"type": "Point", "coordinates": [6.1, 52.3]}	wonen	Meer starterswoningen bij de kerk	2	compact-bouwen	tafel	00000000000000000000000000000000	BU99990001	2026-03-01T19:30:00+00:00	visible	2	0	8	\N	730	737
3	cccccccccccccccccccccccccccccccc	0103000020E6100000010000000400000066666666666618406666666666264A40713D0AD7A37018406666666666264A40713D0AD7A370184048E17A14AE274A4066666666666618406666666666264A40	{"type": "Polygon", "coordinates": [[[6.1, 52.3], [6.11, 52.3], [6.11, 52.31], [6.1, 52.3]]]}	natuur & landschap	Dit weiland moet open blijven	-2	compact-bouwen	tafel	00000000000000000000000000000002	BU99990001	2026-03-03T19:30:00+00:00	visible	0	1	9	\N	732	738
4	dddddddddddddddddddddddddddddddd	0101000020E610000066666666666618406666666666264A40	{"type": "Point", "coordinates": [6.1, 52.3]}	energie	=HYPERLINK("http://x") <script>alert(1)</script>	0	\N	online	00000000000000000000000000000000	BU99990001	2026-03-04T19:30:00+00:00	hidden	0	0	11	kwetsend	733	740
6	ffffffffffffffffffffffffffffffff	0103000020E6100000010000000400000066666666666618406666666666264A40713D0AD7A37018406666666666264A40713D0AD7A370184048E17A14AE274A4066666666666618406666666666264A40	{"type": "Polygon", "coordinates": [[[6.1, 52.3], [6.11, 52.3], [6.11, 52.31], [6.1, 52.3]]]}	wonen	Tiny houses op dit terrein?	\N	\N	online	00000000000000000000000000000002	BU99990001	2026-03-06T19:30:00+00:00	withdrawn	0	0	12	\N	735	741
\.


--
-- Data for Name: reports; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.reports (n, reaction_id, participant, reason, created) FROM stdin;
1	cccccccccccccccccccccccccccccccc	22222222222222222222222222222222	scheldwoord	2026-11-28T18:52:39+00:00
\.


--
-- Data for Name: spatial_ref_sys; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) FROM stdin;
\.


--
-- Name: audit_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_seq_seq', 2, true);


--
-- Name: change_counter; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.change_counter', 12, true);


--
-- Name: reaction_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.reaction_seq', 6, true);


--
-- Name: reports_n_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.reports_n_seq', 1, true);


--
-- Name: agreements agreements_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agreements
    ADD CONSTRAINT agreements_pkey PRIMARY KEY (reaction_id, participant);


--
-- Name: audit audit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit
    ADD CONSTRAINT audit_pkey PRIMARY KEY (seq);


--
-- Name: meta meta_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.meta
    ADD CONSTRAINT meta_pkey PRIMARY KEY (key);


--
-- Name: reactions reactions_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reactions
    ADD CONSTRAINT reactions_id_key UNIQUE (id);


--
-- Name: reactions reactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reactions
    ADD CONSTRAINT reactions_pkey PRIMARY KEY (seq);


--
-- Name: reports reports_n_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reports
    ADD CONSTRAINT reports_n_key UNIQUE (n);


--
-- Name: reports reports_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reports
    ADD CONSTRAINT reports_pkey PRIMARY KEY (reaction_id, participant);


--
-- Name: agreements_participant; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agreements_participant ON public.agreements USING btree (participant);


--
-- Name: reactions_changed; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reactions_changed ON public.reactions USING btree (changed);


--
-- Name: reactions_geom; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reactions_geom ON public.reactions USING gist (geom);


--
-- Name: reactions_participant; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reactions_participant ON public.reactions USING btree (participant, created);


--
-- Name: reactions_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reactions_status ON public.reactions USING btree (status, seq);


--
-- Name: reports_participant; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reports_participant ON public.reports USING btree (participant);


--
-- Name: audit audit_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON public.audit FOR EACH STATEMENT EXECUTE FUNCTION public.audit_append_only();


--
-- Name: audit audit_no_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_no_update BEFORE DELETE OR UPDATE ON public.audit FOR EACH ROW EXECUTE FUNCTION public.audit_append_only();


--
-- Name: agreements agreements_reaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agreements
    ADD CONSTRAINT agreements_reaction_id_fkey FOREIGN KEY (reaction_id) REFERENCES public.reactions(id);


--
-- Name: reports reports_reaction_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reports
    ADD CONSTRAINT reports_reaction_id_fkey FOREIGN KEY (reaction_id) REFERENCES public.reactions(id);


--
-- PostgreSQL database dump complete
--

\unrestrict dzyRogMhV1NKwGWOx6k6w8tKsp1aK0WLpOXjKCmLLaXDoSascumXI48XqE4UkaZ

