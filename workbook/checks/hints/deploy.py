"""Hints and "why it works" lines for 02-deploy."""

from ...i18n import N_

HINTS = {
    "q1": [
        N_(
            "Compare each ${{ secrets.NAME }} in the step with the names the deploy job of cd.yml reads: "
            "one of them is not there."
        ),
        N_(
            "The variable SSH_PRIVATE_KEY reads a secret called SSH_KEY, which the production environment "
            'does not hold: fixed_step = given_step.replace("secrets.SSH_KEY", "secrets.…") with the '
            "name the deploy job uses."
        ),
    ],
    "q2": [
        N_(
            "Take each name of REQUIRED_ENV_PROD in deploy/deploy.sh (shown above) and look in "
            "given_env_prod for a line NAME= with something after the =."
        ),
        N_(
            "An empty value (NAME= and nothing after it) and a commented line (# NAME=…) both lack; a name "
            "the script does not check, such as DJANGO_SUPERUSER_PASSWORD, does not count."
        ),
    ],
    "q3": [
        N_(
            "The errors began at 14:20: find the last line `deploy: serving …` before that time. The release "
            "it names broke the feed; the one in its (before: …) answered until then."
        ),
        N_(
            "A release whose new web never became healthy never served: skip it. Then "
            "IMAGE_TAG=<that earlier release> docker compose up --detach --wait, in ~/workbook on the server."
        ),
    ],
    "deploy_step": [
        N_(
            "Start from the for loop in caller() of deploy/deploy.sh: each of its names needs a value, "
            "in the step's env: or as NAME=value before bash deploy/deploy.sh on the run: line."
        ),
        N_(
            "Secrets as ${{ secrets.SSH_HOST }} (the deploy job of cd.yml shows the names); the files as "
            "${{ runner.temp }}/deploy_key and so on, since env: does not expand $RUNNER_TEMP; the images as "
            "${{ needs.build-and-push.outputs.tag }} and …outputs.image-prefix."
        ),
    ],
}

WHY = {
    "q1": N_(
        "a secret that does not exist reads as an empty string, without an error: the step runs and "
        "something later fails, so a name is compared with the environment's own list."
    ),
    "q2": N_(
        "the script checks every required value before it connects, so a file that lacks one stops the "
        "deploy before anything changes on the server; it names the first, and the fix needs them all."
    ),
    "q3": N_(
        "every release is an image tagged with its commit, kept in the registry: going back is running an "
        "earlier tag again, and the deploy log says which one answered before."
    ),
    "deploy_step": N_(
        "the script refuses to start without every value, so a forgotten one fails before the server is "
        "touched; the tag is the one the build job pushed, so what is deployed is what CI tested."
    ),
}
