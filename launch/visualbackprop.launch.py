"""visualbackprop_node beside your driving stack, optionally with RViz showing camera, mask and overlay.

  ros2 launch visualbackprop visualbackprop.launch.py camera_topic:=/cameras/front/image_raw rviz:=true
  ros2 launch visualbackprop visualbackprop.launch.py image_topics:=/cameras/front/image_raw,/cameras/rear/image_raw
  ros2 launch visualbackprop visualbackprop.launch.py use_sim_time:=true   # with ros2 bag play --clock
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, OpaqueFunction
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def _node_actions(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context).strip()

    use_sim_time = arg('use_sim_time').lower() in ('true', '1', 'yes')
    overrides = {'use_sim_time': use_sim_time}
    topics = [topic.strip() for topic in arg('image_topics').split(',') if topic.strip()]
    if topics:
        overrides['image_topics'] = topics
    if arg('model'):
        overrides['model'] = arg('model')
    parameters = [arg('params_file'), overrides] if arg('params_file') else [overrides]

    actions = [
        Node(
            package='visualbackprop',
            executable='visualbackprop_node',
            name='visualbackprop',
            namespace=arg('namespace'),
            parameters=parameters,
            # The default camera topic of the parameter file, remapped to the car's camera.
            remappings=[('/camera/image_raw', arg('camera_topic'))],
            output='screen',
            emulate_tty=True,
        )
    ]
    if arg('rviz').lower() in ('true', '1', 'yes'):
        actions.append(
            IncludeLaunchDescription(
                PythonLaunchDescriptionSource(
                    os.path.join(get_package_share_directory('visualbackprop'), 'launch', 'rviz.launch.py')),
                launch_arguments={
                    # What the node above gets, so RViz shows the topics it serves.
                    'image_topics': ','.join(overrides.get('image_topics', [])),
                    'remaps': '/camera/image_raw:=' + arg('camera_topic'),
                    'params_file': arg('params_file'),
                    'namespace': arg('namespace'),
                    'use_sim_time': str(use_sim_time).lower(),
                    'rviz_config': arg('rviz_config'),
                }.items(),
            )
        )
    return actions


def generate_launch_description():
    share = get_package_share_directory('visualbackprop')
    return LaunchDescription([
        DeclareLaunchArgument(
            'camera_topic', default_value='/camera/image_raw',
            description='Camera topic the default /camera/image_raw is remapped to (single camera)'),
        DeclareLaunchArgument(
            'image_topics', default_value='',
            description='Comma-separated camera topics; empty: image_topics of params_file'),
        DeclareLaunchArgument(
            'model', default_value='',
            description='ONNX steering model; empty: model of params_file (default: the shipped PilotNet)'),
        DeclareLaunchArgument(
            'params_file', default_value=os.path.join(share, 'config', 'visualbackprop.yaml'),
            description='Parameter file of visualbackprop_node'),
        DeclareLaunchArgument('namespace', default_value='', description='Namespace of the node (and RViz)'),
        DeclareLaunchArgument(
            'use_sim_time', default_value='false',
            description='Follow /clock, e.g. with ros2 bag play --clock'),
        DeclareLaunchArgument(
            'rviz', default_value='false', description='Open RViz with image, overlay and mask of each camera'),
        DeclareLaunchArgument(
            'rviz_config', default_value='',
            description='An RViz configuration to use as it is; empty: one made for the launched cameras'),
        OpaqueFunction(function=_node_actions),
    ])
