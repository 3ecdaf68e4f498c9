<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD') );
define( 'AUTH_KEY', 'put your unique phrase here' );
