"""RViz 2 for the cameras visualbackprop_node serves (included by visualbackprop.launch.py/.xml).

Starts `visualbackprop_rviz`, which writes an RViz configuration for the node's actual cameras
(per camera: image, overlay and mask, each with the QoS of its topic; names by the node's own rule)
and runs rviz2 with it. The including launch file says what the node gets: its parameter file,
image_topics and camera_names overrides, topic remappings and namespace. Stops the launch with one
line when RViz 2 is not installed.
"""
from ament_index_python.packages import PackageNotFoundError, get_package_prefix
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def _rviz_actions(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context).strip()

    try:
        get_package_prefix('rviz2')
    except PackageNotFoundError:
        raise RuntimeError(
            'rviz:=true, but RViz 2 is not installed (package rviz2 not found): '
            'install ros-$ROS_DISTRO-rviz2, or launch with rviz:=false') from None
    arguments = []
    if arg('rviz_config'):
        arguments += ['--config', arg('rviz_config')]
    else:
        if arg('params_file'):
            arguments += ['--params-file', arg('params_file')]
        if arg('image_topics'):
            arguments += ['--topics', arg('image_topics')]
        if arg('camera_names'):
            arguments += ['--names', arg('camera_names')]
        for rule in arg('remaps').split(','):
            if rule.strip():
                arguments += ['--remap', rule.strip()]
    return [
        Node(
            package='visualbackprop',
            executable='visualbackprop_rviz',
            name='visualbackprop_rviz',
            namespace=arg('namespace'),
            arguments=arguments,
            parameters=[{'use_sim_time': arg('use_sim_time').lower() in ('true', '1', 'yes')}],
            output='screen',
        )
    ]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument('image_topics', default_value='',
                              description="The node's image_topics, comma-separated; empty: the parameter file's"),
        DeclareLaunchArgument('camera_names', default_value='',
                              description="The node's camera_names, comma-separated; empty: the parameter file's"),
        DeclareLaunchArgument('remaps', default_value='',
                              description="The node's topic remappings, FROM:=TO, comma-separated"),
        DeclareLaunchArgument('params_file', default_value='',
                              description='Parameter file of visualbackprop_node; empty: its defaults'),
        DeclareLaunchArgument('namespace', default_value='', description='Namespace of the node'),
        DeclareLaunchArgument('use_sim_time', default_value='false', description='Follow /clock'),
        DeclareLaunchArgument('rviz_config', default_value='',
                              description='An RViz configuration to use as it is; empty: generated'),
        OpaqueFunction(function=_rviz_actions),
    ])
