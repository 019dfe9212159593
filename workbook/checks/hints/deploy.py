"""Hints and "why it works" lines for 02-deploy."""

from ...i18n import N_

HINTS = {
    "q1": [
        N_("Look at the deploy job of cd.yml shown above: the values it reads as ${{ secrets.NAME }}."),
        N_(
            "Keep the ones the job cannot run without; SSH_PORT has a default and may be left out, and "
            "GITHUB_TOKEN is GitHub's own, never stored in the environment."
        ),
    ],
    "q2": [
        N_("deploy/deploy.sh checks .env.prod before it connects: find the list it loops over."),
        N_(
            "The list is REQUIRED_ENV_PROD near the top of the script: the site's secret key and hosts, "
            "the database's name, user and password, and the URL Django reads."
        ),
    ],
}

WHY = {
    "q1": N_(
        "an environment's secrets reach only a job that names it (environment: production), and only "
        "as ${{ secrets.NAME }}: never in the repository."
    ),
    "q2": N_(
        "the script checks every value before it connects, so a missing one stops the deploy before "
        "anything changes on the server."
    ),
}
