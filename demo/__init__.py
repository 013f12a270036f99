"""The demo case: NTechLab and Tevian, listed by the EU on 20 July 2023, and the gig-work tasks posted later.

``demo.assets.build_assets`` makes the case's evidence files (recordings, screenshots,
a post page and a stand-in of the regulation); ``headlines.csv`` beside this file is
the demo's own reference headlines, since the shared corpus holds nothing from 2023.
"""
