"""Create Rucio's schema, the base VO and the root account (server environment only).

Run with RUCIO_CONFIG pointing at the sandbox's server configuration. Everything else the
sandbox holds (accounts, RSEs, data) goes through the REST API with the client, as an
operator would do it.
"""

from rucio.db.sqla.util import build_database, create_base_vo, create_root_account

if __name__ == "__main__":
    build_database()
    create_base_vo()
    create_root_account()
    print("bootstrap: schema, base VO and root account created")
